"""Sessions against the WPPConnect emulator scripted as the real server behaved offline
(CAPTURED.md): stuck INITIALIZING, a browser that dies, and a reset that could leave
a second browser running."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from emulators.wppconnect import Emulator
from ponte.accounts.models import Instance
from ponte.accounts.services import do_provision_organization
from ponte.diagnostics.models import DiagnosticEntry
from ponte.engines.calls import EngineCaller
from ponte.inbox.pipeline import drain
from ponte.sessions.models import SessionReset, SessionTransition
from ponte.sessions.resets import ResetRunning, do_begin_reset, release_lock, run_reset, take_lock
from tests.support import supervised as act

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SECRET = "real-behaviour-secret-01"


def provision(emulator: Emulator):
    return do_provision_organization("Loja", "wppconnect", engine_url=emulator.base_url,
                                     secrets_list=[SECRET])


@pytest.fixture
def offline():
    """WhatsApp Web unreachable: every start stays INITIALIZING, as captured."""
    emulator = Emulator(secrets=[SECRET], whatsapp_reachable=False).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def online():
    emulator = Emulator(secrets=[SECRET], logged_in=True, auto_ack=False).start()
    yield emulator
    emulator.stop()


def age_start(instance: Instance, minutes: int = 10) -> None:
    """As if the session had been starting for `minutes` (no test waits for real)."""
    SessionTransition.objects.filter(instance=instance, to_state="starting").update(
        at=timezone.now() - timedelta(minutes=minutes))


def post_webhook(instance: Instance, body: dict) -> None:
    response = Client().post(instance.webhook_path, data=json.dumps(body),
                             content_type="application/json")
    assert response.status_code == 200
    drain()


# -- 1. a start that never gets anywhere -------------------------------------------


def test_a_session_stuck_starting_fails_past_the_deadline_and_then_needs_reset(offline, client):
    made = provision(offline)
    session = made.instance.session_name
    instance = act(made.instance)  # never started: the first attempt starts it
    assert instance.state == "starting" and instance.reconnect_attempts == 1
    instance = act(instance)
    assert instance.state == "starting" and instance.reconnect_attempts == 1, \
        "within the deadline a start is left alone"
    for attempt in (2, 3):
        age_start(instance)
        instance = act(instance)
        assert instance.reconnect_attempts == attempt and instance.state == "starting"
        assert offline.browsers(session) == 1, "a restart never adds a browser"
    age_start(instance)
    instance = act(instance)
    assert instance.state == "needs_reset"
    assert "cannot open WhatsApp Web" in instance.last_error

    client.login(username=made.owner_email, password=made.owner_password)
    page = client.get(reverse("settings_whatsapp_status", args=[instance.pk])).content.decode()
    assert "O motor não consegue abrir o WhatsApp Web: verifique a internet do servidor do motor" \
        in page


def test_a_session_that_shows_a_qr_code_in_time_is_not_failed(online):
    made = provision(online)
    online.logged_in = False
    instance = act(made.instance)
    age_start(instance)
    instance = act(instance)
    assert instance.state == "qrcode" and instance.reconnect_attempts == 0


# -- 2. webhook and poll ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_session_the_engine_reported_closed_is_restarted_not_believed_back(offline):
    made = provision(offline)
    session = made.instance.session_name
    instance = act(made.instance)
    assert offline.browsers(session) == 1
    offline.kill_browser(session)  # the status stays INITIALIZING with no browser behind it
    post_webhook(instance, {"event": "status-find", "session": session,
                            "status": "browserClose"})
    instance.refresh_from_db()
    assert instance.state == "disconnected"
    spent = instance.reconnect_attempts
    instance = act(instance)
    assert offline.browsers(session) == 1, "the session was started again"
    assert instance.state == "starting" and instance.reconnect_attempts == spent + 1
    cause = SessionTransition.objects.filter(instance=instance).latest("at").cause
    assert "engine reported the session disconnected" in cause
    assert f"reconnected on attempt {spent + 1}" in cause


@pytest.mark.django_db(transaction=True)
def test_a_webhook_about_another_session_is_recorded_and_ignored(online):
    made = provision(online)
    online.set_state("CONNECTED")
    instance = act(made.instance)
    assert instance.state == "connected"
    post_webhook(instance, {"event": "status-find", "session": "someone-elses-session",
                            "status": "browserClose"})
    instance.refresh_from_db()
    assert instance.state == "connected"
    entry = DiagnosticEntry.objects.get(instance=instance, outcome="wrong_session")
    assert "someone-elses-session" in entry.error and entry.direction == "in"


# -- 3. reset total -------------------------------------------------------------------------


@pytest.mark.parametrize("before", ["INITIALIZING", "QRCODE", "CONNECTED", "CLOSED"])
def test_reset_total_leaves_exactly_one_browser(before, settings):
    settings.PONTE_RESET_QR_WAIT_SECONDS = 0
    emulator = Emulator(secrets=[SECRET], logged_in=True,
                        whatsapp_reachable=before != "INITIALIZING").start()
    try:
        made = provision(emulator)
        session = made.instance.session_name
        if before != "CLOSED":
            emulator.set_state("QRCODE" if before == "QRCODE" else "CONNECTED", session)
            if before == "INITIALIZING":
                emulator.set_state("INITIALIZING", session)
        instance = act(made.instance, "reset")
        assert emulator.browsers(session) == 1
        if before in ("CONNECTED", "CLOSED", "QRCODE"):
            assert instance.state == "qrcode" and instance.qr
    finally:
        emulator.stop()


def test_the_old_reset_order_leaves_a_second_browser_on_a_stuck_session(offline):
    """Proof that the emulator catches the bug: logout (which clears the data when not
    connected), close, start, as Ponte used to, launches a browser beside the stuck one."""
    made = provision(offline)
    session = made.instance.session_name
    act(made.instance)
    assert offline.browsers(session) == 1

    async def old_order(client):
        await client.logout()
        await client.close_session()
        await client.start_session("")

    with EngineCaller() as caller:
        caller.call(made.instance, old_order)
    assert offline.browsers(session) == 2


def test_reset_says_done_only_once_a_qr_code_or_a_connection_is_there(offline, client,
                                                                       settings):
    settings.PONTE_RESET_QR_WAIT_SECONDS = 0
    made = provision(offline)
    client.login(username=made.owner_email, password=made.owner_password)
    reset = do_begin_reset(made.instance)
    run_reset(reset.pk)
    reset.refresh_from_db()
    assert reset.outcome == "still_starting" and not reset.running
    status = reverse("settings_whatsapp_status", args=[made.instance.pk])
    page = client.get(status).content.decode()
    assert "Reset total feito" not in page
    assert "ainda não mostrou o QR code" in page


def test_the_supervisor_leaves_an_instance_alone_while_a_reset_holds_it(online):
    made = provision(online)
    key = take_lock(made.instance, 60)
    assert key and take_lock(made.instance, 60) is None
    act(made.instance)
    assert online.requests == [], "the supervisor called the engine mid-reset"
    release_lock(made.instance, key)
    act(made.instance)
    assert online.requests


def test_only_one_reset_runs_at_a_time(online):
    made = provision(online)
    do_begin_reset(made.instance)
    with pytest.raises(ResetRunning):
        do_begin_reset(made.instance)
    assert SessionReset.objects.filter(instance=made.instance).count() == 1


def test_reset_runs_in_the_background_and_the_page_follows_it(online, client,
                                                              django_capture_on_commit_callbacks):
    made = provision(online)
    client.login(username=made.owner_email, password=made.owner_password)
    with django_capture_on_commit_callbacks(execute=False) as started:
        response = client.post(reverse("settings_whatsapp_reset", args=[made.instance.pk]),
                               follow=True)
    page = response.content.decode()
    assert "Reset total em andamento" in page and "Reset total feito" not in page
    assert online.requests == [], "the page answered before the engine was touched"
    assert started  # the job starts once the request's transaction commits
    reset = SessionReset.objects.get(instance=made.instance)
    run_reset(reset.pk)
    page = client.get(reverse("settings_whatsapp_status",
                              args=[made.instance.pk])).content.decode()
    made.instance.refresh_from_db()
    assert made.instance.state == "qrcode"
    assert "Reset total feito. Leia o novo QR code no celular." in page
    assert f'src="{made.instance.qr}"' in page


def test_a_reset_interrupted_by_a_restart_does_not_block_the_next_one(online):
    made = provision(online)
    stale = do_begin_reset(made.instance)
    SessionReset.objects.filter(pk=stale.pk).update(
        started_at=timezone.now() - timedelta(hours=1))
    fresh = do_begin_reset(made.instance)
    stale.refresh_from_db()
    assert stale.outcome == "failed" and not stale.running and fresh.running


def test_an_engine_that_comes_back_starting_its_sessions_is_believed(offline):
    """Unreachable, then reachable and INITIALIZING (a reboot restarts stored sessions):
    no webhook said the session closed, so nothing is closed and restarted under it."""
    made = provision(offline)
    session = made.instance.session_name
    instance = act(made.instance)
    offline.stop()
    instance = act(instance)
    assert instance.state == "disconnected"
    offline.start()
    spent = instance.reconnect_attempts
    instance = act(instance)
    assert instance.state == "starting" and instance.reconnect_attempts == spent
    assert offline.browsers(session) == 1
