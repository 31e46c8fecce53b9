"""`ponte init` and `ponte ai eval` as an operator runs them."""

import json
from pathlib import Path

import pytest
from django.test import Client

from ponte.accounts.models import Instance, Organization
from ponte.cli import main
from tests.support import fixtures_dir

pytestmark = pytest.mark.django_db(transaction=True)
CLOUD = ["init", "--org", "Loja", "--engine", "cloudapi", "--secret", "EAAG-token",
         "--phone-number-id", "1065403522", "--json"]


def post_unsigned(webhook_url: str) -> int:
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    return Client().post(webhook_url, data=body, content_type="application/json").status_code


def test_a_cloud_api_instance_needs_its_app_secret(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(CLOUD)
    assert "--app-secret" in str(stopped.value)
    assert "--allow-unsigned-webhooks" in str(stopped.value)
    assert not Organization.objects.exists()


def test_with_the_app_secret_unsigned_posts_are_refused(capsys):
    main([*CLOUD, "--app-secret", "meta-app-secret"])
    made = json.loads(capsys.readouterr().out)
    assert Instance.objects.get().app_secret == "meta-app-secret"
    assert post_unsigned(made["webhook_url"]) == 401


def test_the_unsigned_opt_out_is_explicit_and_loud(capsys):
    main([*CLOUD, "--allow-unsigned-webhooks"])
    printed = capsys.readouterr()
    made = json.loads(printed.out)
    assert "WARNING" in printed.err and "fake messages" in printed.err
    assert Instance.objects.get().allow_unsigned_webhooks
    assert post_unsigned(made["webhook_url"]) == 200


def test_engines_that_do_not_sign_need_no_app_secret(capsys):
    main(["init", "--org", "Loja", "--engine", "wppconnect", "--json"])
    assert json.loads(capsys.readouterr().out)["instance_id"]


AI_MESSAGES = [
    {"id": "m1", "text": "qto custa o short jeans?", "sentiment": "neutral", "intent": 1,
     "topic": "price", "split": "heldout"},
    {"id": "m2", "text": "Amei!! obrigada 😍", "sentiment": "positive", "intent": 0,
     "topic": "thanks", "split": "heldout"},
    {"id": "m3", "text": "pode separar o P, vou fazer o pix", "sentiment": "positive",
     "intent": 1, "topic": "payment", "split": "train"},
    {"id": "m4", "text": "chegou com defeito, to chateada", "sentiment": "negative", "intent": 0,
     "topic": "complaint", "split": "train"},
]
AI_CONVERSATIONS = [
    {"id": "c1", "messages": [{"from": "customer", "text": "quanto fica com frete?"},
                              {"from": "shop", "text": "R$ 70 com frete"},
                              {"from": "customer", "text": "fechado, segue o comprovante"}],
     "hot": 1, "split": "heldout", "note": ""},
    {"id": "c2", "messages": [{"from": "customer", "text": "oi"},
                              {"from": "shop", "text": "oi! posso ajudar?"},
                              {"from": "customer", "text": "nada não, obrigada"}],
     "hot": 0, "split": "heldout", "note": ""},
]


def test_ai_eval_prints_the_figures_evaluate_gives(tmp_path, capsys):
    from ponte.ai.evaluate import evaluate
    from ponte.ai.labelled import read_files
    from ponte.ai.offline import trained

    files = [tmp_path / "conversas.jsonl", tmp_path / "mensagens.jsonl"]
    for path, rows in zip(files, (AI_CONVERSATIONS, AI_MESSAGES), strict=True):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    main(["ai", "eval", *map(str, files)])
    printed = capsys.readouterr().out
    expected = evaluate(trained(), *read_files(files))
    rows = {"AUC de intenção": "intent_auc", "acurácia de sentimento": "sentiment_accuracy",
            "AUC de lead quente": "hot_auc"}
    for label, key in rows.items():
        line = next(line for line in printed.splitlines() if line.startswith(label))
        shown = line.removeprefix(label).split()[:3]
        assert shown == [f"{expected[split][key]:.3f}" if expected[split][key] is not None
                         else "-" for split in ("train", "heldout", "all")]
    assert "treino" in printed and "reservado" in printed and ">= 0.92" in printed


def test_ai_eval_refuses_a_file_that_is_not_labelled_data(tmp_path):
    stray = Path(tmp_path / "contatos.jsonl")
    stray.write_text('{"nome": "Ana", "telefone": "+5511999990000"}\n')
    with pytest.raises(SystemExit) as stopped:
        main(["ai", "eval", str(stray)])
    assert "contatos.jsonl:1" in str(stopped.value)


def test_ai_eval_cross_validate_reads_only_the_train_rows(tmp_path, capsys):
    files = [tmp_path / "conversas.jsonl", tmp_path / "mensagens.jsonl"]
    for path, rows in zip(files, (AI_CONVERSATIONS, AI_MESSAGES), strict=True):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    main(["ai", "eval", "--cross-validate", "--folds", "2", "--misses", *map(str, files)])
    printed = capsys.readouterr().out
    assert printed.startswith("validação cruzada em 2 partes, só o treino (2 mensagens, "
                              "0 conversas)")
    assert "qto custa o short jeans?" not in printed and "Amei!!" not in printed
