"""Session recovery against the WPPConnect emulator over HTTP: reconnect, give up, reset."""

import json
import logging

import pytest
from django.test import Client

from emulators.wppconnect import Emulator
from ponte.accounts.models import Instance
from ponte.accounts.services import do_provision_organization
from ponte.diagnostics.models import DiagnosticEntry
from ponte.inbox.pipeline import drain
from ponte.sessions.models import SessionTransition
from ponte.sessions.supervisor import supervision
from tests.support import supervised as supervise

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PRIMARY, FIRST_ALT, SECOND_ALT = "primary-secret-0001", "alternate-one-0002", "alternate-two-0003"


@pytest.fixture
def engine():
    emulator = Emulator(secrets=[PRIMARY], logged_in=True, auto_ack=False).start()
    made = do_provision_organization("Loja", "wppconnect", engine_url=emulator.base_url,
                                     secrets_list=[PRIMARY, FIRST_ALT, SECOND_ALT])
    yield made, emulator
    emulator.stop()


def token_requests(emulator: Emulator) -> list[str]:
    return [r.path for r in emulator.requests if r.path.endswith("/generate-token")]


def test_logged_out_session_reconnects_alone_with_the_only_secret_that_works(engine):
    made, emulator = engine
    emulator.accepted_secrets = [SECOND_ALT]
    emulator.set_state("LOGGED_OUT")
    instance = supervise(made.instance)
    assert instance.state != "needs_reset"
    assert instance.active_secret_index == 2
    assert token_requests(emulator)[-1].split("/")[-2] == SECOND_ALT
    assert len([p for p in token_requests(emulator) if p.split("/")[-2] in
                (PRIMARY, FIRST_ALT, SECOND_ALT)]) <= 4  # the failed status check, then 3
    reconnect = SessionTransition.objects.filter(instance=instance).last()
    assert "attempt 3" in reconnect.cause and "alternate secret #2" in reconnect.cause
    # Later checks use the secret that worked, without burning attempts again.
    instance = supervise(instance)
    assert instance.reconnect_attempts == 0 and instance.state != "needs_reset"


def test_no_working_secret_stops_after_three_attempts_and_needs_reset(engine):
    made, emulator = engine
    emulator.accepted_secrets = ["something-else"]
    emulator.set_state("LOGGED_OUT")
    instance = supervise(made.instance)
    assert instance.state == "needs_reset"
    assert instance.reconnect_attempts == 3
    asked = len(token_requests(emulator))
    instance = supervise(instance)
    assert len(token_requests(emulator)) == asked, "a session needing reset is left alone"
    assert SessionTransition.objects.filter(instance=instance, to_state="needs_reset").exists()


def test_reset_total_logs_out_and_surfaces_a_fresh_qr_code(engine):
    made, emulator = engine
    emulator.accepted_secrets = ["nothing"]
    emulator.set_state("LOGGED_OUT")
    instance = supervise(made.instance)
    assert instance.state == "needs_reset"
    emulator.accepted_secrets = [PRIMARY]
    Instance.objects.filter(pk=instance.pk).update(active_secret_index=0)
    instance.refresh_from_db()
    instance = supervise(instance, "reset")
    first_qr = instance.qr
    assert instance.state == "qrcode" and first_qr.startswith("data:image/png;base64,")
    # A session already showing a QR code keeps its browser (close-session cannot stop
    # it); the reset leaves it as it is and the page shows its QR code.
    instance = supervise(instance, "reset")
    assert instance.state == "qrcode" and instance.qr
    assert emulator.browsers(instance.session_name) == 1
    assert instance.token == "" or instance.token != PRIMARY


def test_connected_session_records_success(engine):
    made, emulator = engine
    emulator.set_state("CONNECTED")
    instance = supervise(made.instance)
    assert instance.state == "connected" and instance.last_success_at is not None


@pytest.mark.django_db(transaction=True)
def test_drop_reported_by_webhook_is_recorded_and_wakes_the_supervisor(engine):
    made, _ = engine
    supervision._wake.clear()
    body = {"event": "status-find", "session": made.instance.session_name,
            "status": "notLogged"}
    response = Client().post(made.instance.webhook_path, data=json.dumps(body),
                             content_type="application/json")
    assert response.status_code == 200
    drain()
    made.instance.refresh_from_db()
    assert made.instance.state == "notlogged"
    assert SessionTransition.objects.filter(instance=made.instance,
                                            cause__contains="webhook").exists()
    assert supervision.woken


def test_no_secret_or_token_in_the_log_the_api_or_log_output(engine, caplog):
    made, emulator = engine
    caplog.set_level(logging.DEBUG)
    emulator.accepted_secrets = [SECOND_ALT]
    emulator.set_state("LOGGED_OUT")
    instance = supervise(made.instance)
    instance = supervise(instance, "reset")
    token = instance.token
    assert token
    secrets = [PRIMARY, FIRST_ALT, SECOND_ALT, token, made.instance.webhook_token]
    diagnostic = json.dumps(list(DiagnosticEntry.objects.values()), default=str)
    headers = {"Authorization": f"Bearer {made.api_key}"}
    api = (Client().get("/api/v1/instance", headers=headers).content.decode()
           + Client().get("/api/v1/instance/diagnostics", {"limit": 500},
                          headers=headers).content.decode())
    for secret in secrets:
        assert secret not in diagnostic
        assert secret not in api
        assert secret not in caplog.text
    assert made.api_key not in caplog.text and made.api_key not in diagnostic
