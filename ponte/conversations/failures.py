"""Why a message did not go out, in words the chat shows in the reader's language.

The sender stores a cause (a code) beside the engine's own detail: the detail is
for integrators and the diagnostic log, the cause for the attendant's screen,
translated when the chat is drawn.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ponte.engines.base import EngineError


class SendFailure(models.TextChoices):
    DISCONNECTED = "disconnected", _("WhatsApp desconectado")
    NO_ENGINE = "no_engine", _(
        "nenhum motor de WhatsApp configurado (veja Configurações › WhatsApp)")
    NOT_ON_WHATSAPP = "not_on_whatsapp", _("este número não tem WhatsApp")
    ENGINE_AUTH = "engine_auth", _("o motor recusou as credenciais do Ponte")
    ENGINE_DOWN = "engine_down", _("o motor de WhatsApp não respondeu")
    REFUSED = "refused", _("o motor recusou a mensagem")
    UNKNOWN_OUTCOME = "unknown_outcome", _(
        "o motor não confirmou o envio; ela pode ter chegado, confira no celular antes de "
        "tentar de novo")
    EXPIRED = "expired", _("o prazo para enviar acabou")
    FILE_MISSING = "file_missing", _("o arquivo não está mais guardado no Ponte")
    STORAGE = "storage", _("o armazenamento de arquivos não respondeu")


class NotOnWhatsApp(EngineError):
    """The number check found no WhatsApp account: no retry will change that."""

    def __init__(self) -> None:
        super().__init__("this number is not on WhatsApp", kind="not_on_whatsapp")


class FileMissing(EngineError):
    """The file to send is no longer stored (erased since it was queued): no retry helps."""

    def __init__(self) -> None:
        super().__init__("the file to send is no longer stored", kind="file_missing")


class StorageDown(EngineError):
    """The media storage (a folder, S3) failed to give the file back: worth another try."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, transient=True, kind="storage")


def failure_of(exc: EngineError) -> SendFailure:
    """The cause an engine's refusal stands for."""
    if exc.kind == "not_on_whatsapp":
        return SendFailure.NOT_ON_WHATSAPP
    if exc.kind == "file_missing":
        return SendFailure.FILE_MISSING
    if exc.kind == "storage":
        return SendFailure.STORAGE
    if exc.kind == "not_connected":
        return SendFailure.DISCONNECTED
    if exc.auth:
        return SendFailure.ENGINE_AUTH
    if exc.outcome_unknown:
        return SendFailure.UNKNOWN_OUTCOME
    if exc.transient:
        return SendFailure.ENGINE_DOWN
    return SendFailure.REFUSED
