"""An organization's provider: offline unless it chose another, and never a lost answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ponte.accounts.models import Organization
from ponte.ai.choice import note_exhausted, provider_for, style_note_for, take_call
from ponte.ai.models import AISettings
from ponte.ai.offline import trained
from ponte.ai.scoring import ChatLine
from ponte.ai.services import ai_settings_for, calls_today, do_update_ai_settings
from ponte.diagnostics.models import DiagnosticEntry

pytestmark = pytest.mark.django_db

CHAT = [ChatLine(True, "Oi! Quanto custa o vestido preto? Aceita pix?")]


@pytest.fixture
def org() -> Organization:
    return Organization.objects.create(name="Loja")


def test_an_organization_that_chose_nothing_is_read_offline(org):
    provider = provider_for(org.pk)
    assert provider.name == "offline"
    assert provider.score(CHAT) == trained().score(CHAT)
    assert style_note_for(org.pk) == ""


def test_the_shops_tone_is_handed_to_reply_drafts(org):
    do_update_ai_settings(org.pk, {"style_note": "Trate por você, com emoji 🌸"})
    assert style_note_for(org.pk) == "Trate por você, com emoji 🌸"


def test_a_remote_choice_without_its_key_stays_offline(org):
    do_update_ai_settings(org.pk, {"provider": "gemini"})
    assert provider_for(org.pk).name == "offline"


def test_a_daily_budget_of_zero_turns_the_remote_provider_off(org):
    do_update_ai_settings(org.pk, {"provider": "gemini", "api_key": "k" * 39,
                                   "daily_budget": 0})
    assert provider_for(org.pk).name == "offline"
    assert not take_call(org.pk)


def test_a_key_this_server_cannot_decrypt_falls_back_and_says_so_once(org):
    ai = do_update_ai_settings(org.pk, {"provider": "gemini", "api_key": "k" * 39})
    AISettings.objects.filter(pk=ai.pk).update(api_key="gAAAAAB-not-ours")
    for _ in range(3):
        provider = provider_for(org.pk)
        assert provider.name == "offline"
        assert provider.score(CHAT) == trained().score(CHAT)
    entry = DiagnosticEntry.objects.get(org=org)
    assert (entry.instance, entry.path, entry.outcome, entry.count) == (
        None, "gemini", "key_unreadable", 3)


def test_a_budget_of_two_gives_two_calls_a_day_and_starts_over_the_next(org):
    do_update_ai_settings(org.pk, {"daily_budget": 2})
    assert [take_call(org.pk) for _ in range(3)] == [True, True, False]
    assert calls_today(ai_settings_for(org.pk)) == 2
    AISettings.objects.filter(org=org).update(calls_day=timezone.localdate() - timedelta(days=1))
    assert calls_today(ai_settings_for(org.pk)) == 0
    assert take_call(org.pk)
    assert calls_today(ai_settings_for(org.pk)) == 1


def test_the_budget_running_out_is_logged_once_a_day(org):
    do_update_ai_settings(org.pk, {"daily_budget": 1})
    for _ in range(3):
        note_exhausted(org.pk, "openai")
    entry = DiagnosticEntry.objects.get(org=org)
    assert (entry.instance, entry.path, entry.outcome) == (None, "openai", "budget_exhausted")
    AISettings.objects.filter(org=org).update(
        exhausted_day=timezone.localdate() - timedelta(days=1))
    note_exhausted(org.pk, "openai")
    assert DiagnosticEntry.objects.filter(org=org, outcome="budget_exhausted").count() == 2


def test_two_organizations_budgets_are_their_own(org):
    other = Organization.objects.create(name="Outra")
    do_update_ai_settings(org.pk, {"daily_budget": 1})
    do_update_ai_settings(other.pk, {"daily_budget": 1})
    assert take_call(org.pk)
    assert not take_call(org.pk)
    assert take_call(other.pk)


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_the_last_calls_never_overspend_the_budget():
    import threading

    from django.db import connection

    org = Organization.objects.create(name="Loja")
    do_update_ai_settings(org.pk, {"daily_budget": 5})
    AISettings.objects.filter(org=org).update(
        calls_day=timezone.localdate() - timedelta(days=1), calls_today=5)
    taken: list[bool] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(4):
                taken.append(take_call(org.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 5 and len(taken) == 16
    assert calls_today(ai_settings_for(org.pk)) == 5
