"""Why a remote provider failed, in words a shop owner can act on.

`ProviderFailed.detail` is what the owner reads (pt-BR, through gettext): what happened and
what to do. `error` is the technical half for the diagnostic log, in English. Neither ever
holds the API key, the customer's words or the provider's own error message (OpenAI's
401 message quotes part of the key); only statuses, error codes and our own sentences.
"""

import re

from django.utils.formats import localize
from django.utils.translation import gettext as _

OUTCOMES = ("timeout", "auth", "rate_limited", "http_error", "refused", "malformed", "error")
_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class ProviderFailed(Exception):
    """A remote provider could not score or suggest; raised for every kind of failure."""

    def __init__(self, outcome: str, detail: str, status_code: int | None = None, *,
                 error: str = "", retryable: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{outcome}: {detail}")
        self.outcome = outcome
        self.status_code = status_code
        self.detail = detail
        self.error = error or outcome  # for CallRecord.error: English, no content
        self.retryable = retryable  # worth another attempt (429, 5xx, a timeout)
        self.retry_after = retry_after  # seconds the provider asked us to wait


def error_code(value: object) -> str:
    """A provider's error code or status name, only if it looks like one (never prose)."""
    return value if isinstance(value, str) and _CODE.fullmatch(value) else ""


def auth_failed(provider: str, status: int | None, code: str = "") -> ProviderFailed:
    if status is None:
        detail = _("Nenhuma chave do provedor %(provider)s foi configurada: informe a chave "
                   "em Configurações › IA.") % {"provider": provider}
    else:
        detail = _("O provedor %(provider)s recusou a chave (%(status)s): confira a chave em "
                   "Configurações › IA.") % {"provider": provider, "status": status}
    return ProviderFailed("auth", detail, status, error=_technical(status, code, "no key"))


def rate_limited(provider: str, status: int, code: str, retry_after: float | None, *,
                 quota: bool = False) -> ProviderFailed:
    if quota:  # waiting does not help: the account has no credit left
        detail = _("A conta do provedor %(provider)s está sem crédito ou sem cota (%(status)s): "
                   "confira o plano e o faturamento da conta.")
    else:
        detail = _("O provedor %(provider)s recusou por excesso de pedidos (%(status)s): o "
                   "Ponte tentou de novo e desistiu; aguarde alguns minutos e, se continuar, "
                   "confira a cota da conta.")
    return ProviderFailed("rate_limited", detail % {"provider": provider, "status": status},
                          status, error=_technical(status, code), retryable=not quota,
                          retry_after=retry_after)


def http_failed(provider: str, status: int, code: str, model: str) -> ProviderFailed:
    if status == 404:
        detail = _("O provedor %(provider)s não encontrou o modelo “%(model)s” (404): confira "
                   "o nome do modelo e o endereço em Configurações › IA.")
    elif status >= 500:
        detail = _("O provedor %(provider)s teve um erro interno (%(status)s): o Ponte tentou "
                   "de novo e desistiu; tente mais tarde.")
    else:
        detail = _("O provedor %(provider)s recusou o pedido (%(status)s): confira o modelo e "
                   "o endereço em Configurações › IA; o detalhe técnico está no registro de "
                   "diagnóstico.")
    detail %= {"provider": provider, "status": status, "model": model}
    return ProviderFailed("http_error", detail, status, error=_technical(status, code),
                          retryable=status >= 500)


def timed_out(provider: str, seconds: float, error: str) -> ProviderFailed:
    detail = _("O provedor %(provider)s não respondeu em %(seconds)s segundos: tente mais "
               "tarde; se continuar, escolha um modelo mais rápido.") % {
        "provider": provider, "seconds": localize(seconds)}
    return ProviderFailed("timeout", detail, None, error=error, retryable=True)


def refused(provider: str, error: str) -> ProviderFailed:
    detail = _("Não foi possível conectar ao provedor %(provider)s: confira o endereço em "
               "Configurações › IA e se o servidor está no ar.") % {"provider": provider}
    return ProviderFailed("refused", detail, None, error=error)


def malformed(provider: str, error: str, status: int | None = 200, *,
              why: str = "format") -> ProviderFailed:
    """why: "format" (not our schema), "blocked" (the provider's safety filter), "echo"."""
    if why == "blocked":
        detail = _("O provedor %(provider)s bloqueou a resposta pelos filtros de segurança "
                   "dele: esta conversa fica sem análise da IA.")
    elif why == "echo":
        detail = _("A resposta do provedor %(provider)s repetia as instruções do Ponte (a "
                   "conversa pode ter tentado manipular a IA) e foi descartada.")
    else:
        detail = _("O provedor %(provider)s respondeu fora do formato pedido: tente de novo; "
                   "se continuar, escolha outro modelo em Configurações › IA.")
    return ProviderFailed("malformed", detail % {"provider": provider}, status, error=error)


def unexpected(provider: str, error: str) -> ProviderFailed:
    detail = _("A chamada ao provedor %(provider)s falhou de um jeito inesperado: o detalhe "
               "técnico está no registro de diagnóstico.") % {"provider": provider}
    return ProviderFailed("error", detail, None, error=error)


def _technical(status: int | None, code: str, otherwise: str = "") -> str:
    if status is None:
        return otherwise
    return f"HTTP {status} {code}".strip()
