"""The chosen remote provider, end to end against the Gemini and OpenAI emulators: the
budget, the fallback to the offline model on every kind of failure, and the log."""

from dataclasses import replace

import pytest

from emulators.gemini import Emulator as Gemini
from emulators.openai_api import Emulator as OpenAI
from ponte.accounts.models import Organization
from ponte.ai import choice
from ponte.ai.choice import provider_for
from ponte.ai.models import AISettings
from ponte.ai.offline import trained
from ponte.ai.scoring import ChatLine
from ponte.ai.services import ai_settings_for, calls_today, do_update_ai_settings
from ponte.diagnostics.models import DiagnosticEntry

pytestmark = pytest.mark.django_db

CHAT = [ChatLine(True, "Oi! Quanto custa o vestido preto?"),
        ChatLine(False, "R$ 149,90"),
        ChatLine(True, "Aceita pix? Quero levar hoje, separa pra mim")]
GEMINI_PATH = "gemini /v1beta/models/gemini-2.5-flash:generateContent"


@pytest.fixture
def org() -> Organization:
    return Organization.objects.create(name="Loja")


@pytest.fixture
def gemini():
    with Gemini(keys=["test-key"]) as emulator:
        yield emulator


@pytest.fixture
def openai():
    with OpenAI(keys=["sk-test"]) as emulator:
        yield emulator


def choose(org, emulator, kind: str = "gemini", key: str = "test-key", **more) -> None:
    base_url = emulator.base_url + ("/v1" if kind == "openai" else "")
    do_update_ai_settings(org.pk, {"provider": kind, "api_key": key, "base_url": base_url,
                                   **more})


def log(org) -> list[tuple]:
    return list(DiagnosticEntry.objects.filter(org=org).order_by("id").values_list(
        "instance", "direction", "method", "path", "status_code", "outcome", "count"))


def test_gemini_scores_the_chat_and_each_call_is_in_the_log(org, gemini):
    choose(org, gemini)
    provider = provider_for(org.pk)
    assert provider.name == "gemini"
    score = provider.score(CHAT)
    assert score != trained().score(CHAT) and 0 <= score.score <= 100
    assert len(gemini.requests) == 1
    assert log(org) == [(None, "out", "POST", GEMINI_PATH, 200, "ok", 1)]
    entry = DiagnosticEntry.objects.get(org=org)
    assert entry.latency_ms > 0 and entry.error == ""
    assert calls_today(ai_settings_for(org.pk)) == 1


def test_a_budget_of_two_allows_two_calls_then_the_offline_model_answers(org, gemini):
    choose(org, gemini, daily_budget=2)
    answers = [provider_for(org.pk).score(CHAT) for _ in range(4)]
    assert len(gemini.requests) == 2
    assert answers[2] == answers[3] == trained().score(CHAT)
    assert answers[0] != trained().score(CHAT)
    assert log(org) == [(None, "out", "POST", GEMINI_PATH, 200, "ok", 2),
                        (None, "out", "", "gemini", None, "budget_exhausted", 1)]


@pytest.mark.parametrize(("script", "outcome", "status"), [
    (lambda e: e.fail_next(500, times=3), "http_error", 500),
    (lambda e: e.fail_next(429, times=3, retry_after=0), "rate_limited", 429),
    (lambda e: e.malformed_next(), "malformed", 200),
    (lambda e: e.answer_next("isto não é JSON"), "malformed", 200),
    (lambda e: e.fail_next(403), "auth", 403),
])
def test_a_failing_gemini_gives_the_offline_answer_and_a_log_entry(org, gemini, script,
                                                                    outcome, status):
    choose(org, gemini)
    script(gemini)
    assert provider_for(org.pk).score(CHAT) == trained().score(CHAT)
    entry = DiagnosticEntry.objects.filter(org=org).latest("id")
    assert (entry.instance, entry.path, entry.outcome) == (None, GEMINI_PATH, outcome)
    assert entry.status_code in (status, None)


def test_a_wrong_key_is_refused_and_never_written_to_the_log(org, gemini):
    choose(org, gemini, key="AIzaSy-wrong-key-0123456789")
    assert provider_for(org.pk).score(CHAT) == trained().score(CHAT)
    (entry,) = DiagnosticEntry.objects.filter(org=org)
    assert entry.outcome == "auth" and entry.status_code == 400
    assert "wrong-key" not in entry.error and "wrong-key" not in entry.path


def test_a_server_that_is_gone_gives_the_offline_answer(org, gemini):
    choose(org, gemini)
    gemini.stop()
    assert provider_for(org.pk).score(CHAT) == trained().score(CHAT)
    assert DiagnosticEntry.objects.filter(org=org).latest("id").outcome == "refused"


def test_a_timeout_gives_the_offline_answer_then_the_provider_rests(org, gemini):
    choose(org, gemini)
    gemini.hang_next(5)
    ai = AISettings.objects.get(org=org)
    # As provider_for builds it, with a timeout a test can wait for and no retry.
    quick = replace(choice._config(ai, "test-key"), timeout=0.3, retries=0)
    provider = choice.Budgeted(org.pk, quick, trained(), version=ai.updated_at)
    assert provider.score(CHAT) == trained().score(CHAT)
    assert DiagnosticEntry.objects.filter(org=org).latest("id").outcome == "timeout"
    asked = len(gemini.requests)
    assert provider_for(org.pk).score(CHAT) == trained().score(CHAT)
    assert len(gemini.requests) == asked, "resting: no call for a while"
    do_update_ai_settings(org.pk, {"style_note": "Seja breve."})
    provider_for(org.pk).score(CHAT)
    assert len(gemini.requests) == asked + 1, "changed settings end the rest"


def test_an_openai_compatible_server_scores_and_drafts_in_the_shops_tone(org, openai):
    choose(org, openai, kind="openai", key="sk-test", style_note="Trate por você.")
    provider = provider_for(org.pk)
    assert provider.name == "openai"
    suggestion = provider.suggest(CHAT, "Ana", choice.style_note_for(org.pk))
    assert suggestion.text and "Trate por você." in openai.last.raw.decode()
    assert log(org) == [(None, "out", "POST", "openai /v1/chat/completions", 200, "ok", 1)]


def test_a_failing_openai_server_gives_the_offline_suggestion(org, openai):
    choose(org, openai, kind="openai", key="sk-test")
    openai.fail_next(500, times=3)
    offline = trained().suggest(CHAT, "Ana")
    assert provider_for(org.pk).suggest(CHAT, "Ana") == offline
    assert log(org) == [(None, "out", "POST", "openai /v1/chat/completions", 500,
                         "http_error", 3)]


def test_a_key_that_cannot_be_decrypted_never_reaches_the_provider(org, gemini):
    choose(org, gemini)
    AISettings.objects.filter(org=org).update(api_key="gAAAAAB-not-ours")
    assert provider_for(org.pk).score(CHAT) == trained().score(CHAT)
    assert gemini.requests == []
    assert [row[5] for row in log(org)] == ["key_unreadable"]


def test_a_queued_connection_test_is_run_once_and_logged(org, openai):
    from ponte.ai.choice import run_asked_tests
    from ponte.ai.services import do_ask_for_test

    choose(org, openai, kind="openai", key="sk-test")
    assert do_ask_for_test(org.pk)
    assert run_asked_tests() == 1
    ai = AISettings.objects.get(org=org)
    assert (ai.test_asked_at, ai.test_outcome, ai.test_detail) == (None, "ok", "")
    assert ai.test_latency_ms > 0 and len(openai.requests) == 1
    openai.stop()
    do_ask_for_test(org.pk)
    assert run_asked_tests() == 1
    ai.refresh_from_db()
    assert ai.test_outcome == "refused" and "Não foi possível conectar" in ai.test_detail
    assert [row[5] for row in log(org)] == ["ok", "refused"]
