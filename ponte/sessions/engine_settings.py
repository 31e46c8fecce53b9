"""An instance's engine moved or its secrets changed: the session starts over, checked at once.

Used by Settings › WhatsApp and by `ponte engine set`, so an instance created without
an engine address (or with a wrong secret) can be put right later.
"""

from ponte.accounts.models import Instance, SessionState
from ponte.accounts.services import do_set_engine
from ponte.engines.calls import is_configured
from ponte.sessions.services import do_reset_reconnect_attempts, do_transition
from ponte.sessions.supervisor import run_once


def do_reconfigure_engine(instance: Instance, *, base_url: str | None = None,
                          secrets_list: list[str] | None = None,
                          phone_number_id: str | None = None) -> list[str]:
    """Store the new settings; the reconnect attempts and a `needs_reset` were the old ones'."""
    changed = do_set_engine(instance, base_url=base_url, secrets_list=secrets_list,
                            phone_number_id=phone_number_id)
    if changed:
        do_reset_reconnect_attempts(instance)
        if instance.state == SessionState.NEEDS_RESET:
            do_transition(instance, SessionState.DISCONNECTED,
                          f"engine settings changed ({', '.join(changed)})")
    return changed


def check_session_now(instance: Instance) -> str:
    """Ask the engine at once, starting the session if it is down; the state it ends in."""
    if is_configured(instance):
        run_once(instance)
    instance.refresh_from_db()
    return instance.state
