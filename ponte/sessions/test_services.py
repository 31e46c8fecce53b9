"""The session's last error as the Settings page reads it: said once, and over once healthy."""

import pytest

from emulators.wppconnect import Emulator
from ponte.accounts.services import do_provision_organization
from ponte.sessions.models import SessionTransition
from ponte.sessions.services import do_record_error, do_transition
from tests.support import supervised as supervise

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PRIMARY, ALTERNATE = "primary-secret-0001", "alternate-one-0002"


@pytest.fixture
def engine():
    emulator = Emulator(secrets=[PRIMARY], logged_in=True, auto_ack=False).start()
    made = do_provision_organization("Loja", "wppconnect", engine_url=emulator.base_url,
                                     secrets_list=[PRIMARY, ALTERNATE])
    yield made.instance, emulator
    emulator.stop()


def test_wrong_secret_error_is_resolved_once_the_alternate_secret_works(engine):
    instance, emulator = engine
    emulator.accepted_secrets = [ALTERNATE]
    emulator.set_state("LOGGED_OUT")
    instance = supervise(instance)
    assert instance.active_secret_index == 1
    assert instance.last_error_kind == "auth" and "refused the secret" in instance.last_error
    assert instance.last_error_resolved_at is not None
    assert instance.last_error_resolved_at >= instance.last_error_at


def test_an_unreachable_engine_is_named_once_in_the_error_and_the_transition(engine):
    instance, emulator = engine
    do_transition(instance, "connected", "status check: CONNECTED")
    emulator.stop()
    instance = supervise(instance)
    assert instance.last_error_kind == "unreachable"
    assert instance.last_error_resolved_at is None
    cause = SessionTransition.objects.filter(instance=instance).last().cause
    for text in (instance.last_error, cause):
        assert text.count("engine unreachable") == 1, text


def test_an_error_stays_current_until_the_session_connects_and_a_new_one_is_current_again(
        engine):
    instance, _ = engine
    do_record_error(instance, "status check: engine unreachable: ConnectError",
                    kind="unreachable")
    do_transition(instance, "qrcode", "status check: QRCODE")
    instance.refresh_from_db()
    assert instance.last_error_resolved_at is None
    do_transition(instance, "connected", "status check: CONNECTED")
    instance.refresh_from_db()
    resolved_at = instance.last_error_resolved_at
    assert resolved_at is not None
    do_transition(instance, "connected", "status check: CONNECTED")
    instance.refresh_from_db()
    assert instance.last_error_resolved_at == resolved_at, "resolved once, at the recovery"
    do_record_error(instance, "session status: the engine refused the token", kind="auth")
    instance.refresh_from_db()
    assert instance.last_error_resolved_at is None and instance.last_error_kind == "auth"
