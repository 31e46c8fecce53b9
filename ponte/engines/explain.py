"""What an engine failure means for a person, in the page's language.

An `EngineError`'s detail is for operators (English, technical, in the diagnostic
log). A person reads one of these sentences instead: what happened, then what to
do. They are lazy, so a stored kind becomes a sentence in whatever language the
page that shows it is rendered in.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ponte.engines.base import EngineError, MediaTooLarge

# kind -> what happened and what to do.
_SENTENCES: dict[str, Promise] = {
    "unreachable": _("Não foi possível falar com o motor do WhatsApp. Verifique se o "
                     "servidor do motor está no ar e se o endereço configurado está certo."),
    "no_answer": _("O motor do WhatsApp não respondeu a tempo. O Ponte tenta de novo sozinho; "
                   "se continuar, verifique se o servidor do motor está sobrecarregado."),
    "auth": _("O motor recusou a chave configurada. Confira as chaves do motor; se nenhuma "
              "funcionar, faça o reset total da instância."),
    "not_connected": _("O WhatsApp não está conectado no motor. Reconecte o número "
                       "(leia o QR code no celular) e tente de novo."),
    "engine_failure": _("O motor do WhatsApp teve um erro interno. O Ponte tenta de novo "
                        "sozinho; se continuar, veja os registros do servidor do motor."),
    "outcome_unknown": _("O motor não confirmou o envio. O Ponte confere se a mensagem "
                         "chegou antes de tentar de novo."),
    "refused": _("O motor recusou o pedido. O detalhe técnico está no registro de "
                 "diagnóstico."),
    "not_on_whatsapp": _("Este número não tem WhatsApp. Confira o número com o contato."),
    "media_gone": _("O motor não tem mais este arquivo (ele expira depois de alguns dias). "
                    "Peça ao cliente que envie de novo."),
    # Not an `EngineError.kind` (a download past the limit is "refused"), but what the
    # diagnostic log's "too_large" calls and a `MediaTooLarge` are told.
    "too_large": _("O arquivo passa do tamanho máximo que o Ponte aceita e não foi baixado. "
                   "Peça ao cliente que envie um arquivo menor."),
    "failed": _("A chamada ao motor do WhatsApp falhou. O detalhe técnico está no registro "
                "de diagnóstico."),
}

# A diagnostic entry's outcome (a `CallRecord.outcome`) -> the kind of failure it was.
_CALL_OUTCOMES = {"refused": "unreachable", "timeout": "no_answer", "auth": "auth",
                  "error": "unreachable", "too_large": "too_large"}


def explain_error_kind(kind: str) -> Promise:
    """The sentence for a stored kind (`EngineError.kind`); unknown kinds get the general one."""
    return _SENTENCES.get(kind, _SENTENCES["failed"])


def explain_engine_error(exc: EngineError) -> Promise:
    """What a person is told when an engine call fails: by the error's kind, lazily translated."""
    if isinstance(exc, MediaTooLarge):
        return _SENTENCES["too_large"]
    return explain_error_kind(exc.kind)


def explain_call(outcome: str, status_code: int | None) -> Promise | None:
    """The sentence for one diagnostic entry of an engine call; None when it went well."""
    if outcome == "ok":
        return None
    if outcome in _CALL_OUTCOMES:
        return explain_error_kind(_CALL_OUTCOMES[outcome])
    if status_code is not None:
        return explain_error_kind("engine_failure" if status_code >= 500 else "refused")
    return explain_error_kind("failed")
