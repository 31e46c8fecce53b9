"""Engine failures said for a person: one sentence per kind, in the page's language."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from django.utils import translation

from emulators.wppconnect import Emulator
from ponte.engines.base import Credentials, EngineError, MediaTooLarge
from ponte.engines.explain import explain_call, explain_engine_error, explain_error_kind
from ponte.engines.wppconnect.client import Client

SECRET = "explain-secret-0001"
FAST = httpx.Timeout(2.0)


def failure(base_url: str, scenario: Callable[[Client], Awaitable[Any]], *,
            secret: str = SECRET) -> EngineError:
    async def main() -> None:
        client = Client(Credentials(base_url, "ponte-explain", secret), timeout=FAST)
        try:
            await scenario(client)
        finally:
            await client.aclose()

    with pytest.raises(EngineError) as caught:
        asyncio.run(main())
    return caught.value


def test_an_engine_that_is_down_is_said_to_be_unreachable_with_what_to_check():
    with Emulator(secrets=[SECRET]) as emulator:
        base_url = emulator.base_url
    error = failure(base_url, lambda c: c.session_status())
    assert error.kind == "unreachable"
    with translation.override("pt-br"):
        assert "Verifique se o servidor do motor está no ar" in str(explain_engine_error(error))


def test_a_refused_secret_and_a_send_while_disconnected_each_get_their_sentence():
    with Emulator(secrets=[SECRET], state="CLOSED") as emulator:
        refused = failure(emulator.base_url, lambda c: c.authenticate("wrong-secret"),
                          secret="wrong-secret")
        not_connected = failure(emulator.base_url, lambda c: c.send_text("5531987654321", "Oi"))
    assert (refused.kind, not_connected.kind) == ("auth", "not_connected")
    with translation.override("pt-br"):
        assert "reset total" in str(explain_engine_error(refused))
        assert "leia o QR code" in str(explain_engine_error(not_connected))


@pytest.mark.parametrize("kind", EngineError.KINDS)
def test_every_kind_reads_in_portuguese_and_in_english(kind):
    with translation.override("pt-br"):
        portuguese = str(explain_error_kind(kind))
    with translation.override("en"):
        english = str(explain_error_kind(kind))
    assert portuguese and english and portuguese != english


def test_a_kind_follows_from_the_flags_when_the_raiser_names_none():
    assert EngineError("x", auth=True).kind == "auth"
    assert EngineError("x", outcome_unknown=True).kind == "outcome_unknown"
    assert EngineError("x", status_code=503, transient=True).kind == "engine_failure"
    assert EngineError("x", status_code=400).kind == "refused"
    assert EngineError("x").kind == "failed"
    assert str(explain_error_kind("no-such-kind")) == str(explain_error_kind("failed"))


def test_a_logged_call_is_explained_by_its_outcome_and_a_good_one_not_at_all():
    assert explain_call("ok", 200) is None
    assert explain_call("refused", None) == explain_error_kind("unreachable")
    assert explain_call("http_error", 502) == explain_error_kind("engine_failure")
    assert explain_call("http_error", 404) == explain_error_kind("refused")


def test_a_file_past_the_limit_is_said_to_be_too_large_not_refused_by_the_engine():
    error = MediaTooLarge("download media: the file", 1024)
    assert error.kind == "refused" and error.detail.startswith("too large")
    assert not (error.transient or error.auth or error.outcome_unknown)
    with translation.override("pt-br"):
        said = str(explain_engine_error(error))
        assert "tamanho máximo" in said
        assert str(explain_call("too_large", 200)) == said
    with translation.override("en"):
        assert str(explain_engine_error(error)) != said
