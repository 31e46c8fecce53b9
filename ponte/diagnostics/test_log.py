"""The diagnostic log as an operator reads it, and its retention."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from emulators.wppconnect import Emulator
from ponte.diagnostics.metrics import ENGINE_CALLS
from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import prune, record_engine_calls
from ponte.engines.base import CallRecord
from ponte.engines.calls import call_engine
from ponte.sessions.supervisor import Supervisor
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "diagnostics-secret-0001"


def test_diagnostic_log_filters_errors_and_pages_newest_first(make_tenant):
    tenant = make_tenant()
    client = Client()
    for n in range(3):
        body = json.dumps(wppconnect_text(message_id=f"M{n}"))
        client.post(tenant.instance.webhook_path, data=body, content_type="application/json")
    client.post(tenant.instance.webhook_path, data=b"[1]", content_type="application/json")
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    errors = client.get("/api/v1/instance/diagnostics", {"errors_only": "true"},
                        headers=headers).json()["items"]
    assert [e["outcome"] for e in errors] == ["not_an_object"]
    first = client.get("/api/v1/instance/diagnostics", {"limit": 2}, headers=headers).json()
    rest = client.get("/api/v1/instance/diagnostics", {"limit": 2, "before": first["next_before"]},
                      headers=headers).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    assert all(tenant.instance.webhook_token not in e["path"] for e in first["items"])


def test_instance_endpoint_shows_state_and_is_scoped(make_tenant):
    ours, theirs = make_tenant(name="A"), make_tenant(name="B")
    client = Client()
    mine = client.get("/api/v1/instance", headers={"Authorization": f"Bearer {ours.api_key}"})
    assert mine.json()["id"] == str(ours.instance.pk)
    assert mine.json()["state"] == "disconnected"
    other = client.get("/api/v1/instance", headers={"Authorization": f"Bearer {theirs.api_key}"})
    assert other.json()["id"] == str(theirs.instance.pk)
    assert ours.instance.webhook_token not in other.content.decode()


def test_retention_keeps_the_newest_entries(make_tenant):
    instance = make_tenant().instance
    DiagnosticEntry.objects.bulk_create([
        DiagnosticEntry(org_id=instance.org_id, instance=instance, direction="out", method="GET",
                        path=f"/p/{n}", outcome="ok") for n in range(10)])
    assert prune(instance, keep=4, max_age_days=30) == 6
    kept = DiagnosticEntry.objects.order_by("id").values_list("path", flat=True)
    assert list(kept) == ["/p/6", "/p/7", "/p/8", "/p/9"]


# -- what an entry says and when ------------------------------------------------------


@pytest.fixture
def connected_engine(make_tenant):
    emulator = Emulator(secrets=[SECRET], state="CONNECTED", logged_in=True,
                        latency=0.3).start()
    made = make_tenant(engine_url=emulator.base_url, secrets_list=[SECRET])
    yield made
    emulator.stop()


def status_checks(instance) -> list[DiagnosticEntry]:
    return list(DiagnosticEntry.objects.filter(instance=instance, path__endswith="status-session")
                .order_by("id"))


def test_an_entry_carries_the_time_the_call_went_out_not_when_it_was_written(connected_engine):
    instance = connected_engine.instance
    call_engine(instance, lambda c: c.session_status())
    answered = timezone.now()
    entry = status_checks(instance)[-1]
    # The emulator takes 0.3 s to answer: the call went out at least that long before.
    assert entry.created_at <= answered - timedelta(seconds=0.3)


def test_healthy_status_checks_every_period_are_one_entry_with_a_count(connected_engine):
    instance = connected_engine.instance
    before = ENGINE_CALLS.labels("wppconnect", "ok")._value.get()
    supervisor = Supervisor()
    try:
        for _ in range(4):
            supervisor.supervise(instance)
    finally:
        supervisor.close()
    [entry] = status_checks(instance)
    assert entry.count == 4 and entry.outcome == "ok"
    assert entry.created_at < entry.last_at
    # Every call still counts in the metrics.
    assert ENGINE_CALLS.labels("wppconnect", "ok")._value.get() - before >= 4
    page = Client().get("/api/v1/instance/diagnostics",
                        headers={"Authorization": f"Bearer {connected_engine.api_key}"}).json()
    shown = next(e for e in page["items"] if e["id"] == entry.pk)
    assert shown["count"] == 4 and shown["last_at"] > shown["created_at"]


def test_a_different_outcome_breaks_the_run_and_the_latest_comes_first(make_tenant):
    instance = make_tenant().instance
    start = timezone.now() - timedelta(minutes=10)

    def call(minute: int, outcome: str, status: int | None, error: str = "") -> CallRecord:
        return CallRecord("GET", "/api/s/status-session", status, 5.0, outcome, error,
                          start + timedelta(minutes=minute))

    record_engine_calls(instance, [call(0, "ok", 200), call(1, "ok", 200)])
    record_engine_calls(instance, [call(2, "refused", None, "ConnectError"),
                                   call(3, "refused", None, "ConnectError")])
    record_engine_calls(instance, [call(4, "ok", 200)])
    record_engine_calls(instance, [CallRecord("POST", "/api/s/start-session", 201, 5.0, "ok",
                                              "", start + timedelta(minutes=5))])
    record_engine_calls(instance, [call(6, "ok", 200)])
    entries = DiagnosticEntry.objects.filter(instance=instance).order_by("-id")
    assert [(e.path.rsplit("/", 1)[1], e.outcome, e.count) for e in entries] == [
        ("status-session", "ok", 2),  # minutes 4 and 6: a start between is another operation
        ("start-session", "ok", 1),
        ("status-session", "refused", 2),
        ("status-session", "ok", 2),
    ]
    latest = entries[0]
    assert (latest.created_at, latest.last_at) == (start + timedelta(minutes=4),
                                                   start + timedelta(minutes=6))


def test_retention_keeps_a_folded_entry_whose_latest_occurrence_is_recent(make_tenant):
    instance = make_tenant().instance
    long_ago = timezone.now() - timedelta(days=30)
    DiagnosticEntry.objects.create(org_id=instance.org_id, instance=instance, direction="out",
                                   method="GET", path="/still-happening", outcome="ok",
                                   count=900, created_at=long_ago, last_at=timezone.now())
    DiagnosticEntry.objects.create(org_id=instance.org_id, instance=instance, direction="out",
                                   method="GET", path="/stopped", outcome="ok",
                                   created_at=long_ago, last_at=long_ago)
    assert prune(instance, keep=100, max_age_days=14) == 1
    assert list(DiagnosticEntry.objects.values_list("path", flat=True)) == ["/still-happening"]


def test_the_log_page_says_outcomes_in_portuguese_with_count_and_first_and_last(
        connected_engine, client):
    instance = connected_engine.instance
    client.login(username=connected_engine.owner_email, password=connected_engine.owner_password)
    for _ in range(3):
        call_engine(instance, lambda c: c.session_status())
    body = json.dumps(wppconnect_text(message_id="M1"))
    client.post(instance.webhook_path, data=body, content_type="application/json")
    page = client.get("/settings/whatsapp/").content.decode()
    log = page[page.index('class="diagnostics"'):]
    words = re.sub(r"<code[^>]*>.*?</code>|<[^>]+>", " ", log, flags=re.S).split()
    assert {"accepted", "ok", "Endpoint"}.isdisjoint(words)
    assert "aceito" in words and "sucesso" in words
    assert "3 vezes" in log and "primeira" in words and "última" in words
