"""The `ponte ai eval` table: figures per split beside the aims, plain text."""

from ponte.ai.evaluate import AIMS

ROWS = (("intent_auc", "AUC de intenção"), ("sentiment_accuracy", "acurácia de sentimento"),
        ("hot_auc", "AUC de lead quente"))
COLUMNS = (("train", "treino"), ("heldout", "reservado"), ("all", "tudo"))


def figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def evaluation_table(results: dict, provider: str) -> str:
    """One row per measure, columns treino / reservado / tudo, then the aim on held-out."""
    width = max(len(label) for _, label in ROWS)
    lines = [f"provedor: {provider}",
             f"{'':<{width}}  " + "  ".join(f"{label:>9}" for _, label in COLUMNS)
             + "  meta (reservado)"]
    for key, label in ROWS:
        cells = "  ".join(f"{figure(results[split][key]):>9}" for split, _ in COLUMNS)
        held_out = results["heldout"][key]
        verdict = "-" if held_out is None else ("atingida" if held_out >= AIMS[key]
                                               else "não atingida")
        lines.append(f"{label:<{width}}  {cells}  >= {AIMS[key]:.2f} {verdict}")
    counts = "  ".join(f"{split}: {results[split]['messages']} mensagens, "
                       f"{results[split]['conversations']} conversas"
                       for split, _ in COLUMNS[:2])
    lines.append(counts.replace("train:", "treino:").replace("heldout:", "reservado:"))
    return "\n".join(lines)
