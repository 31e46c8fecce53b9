"""Issue 10's race in real processes: a number hidden while `ponte serve` takes its webhooks."""

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest

from ponte.privacy.test_hiding import wpp_lid_link
from tests.procs import Server, isolated_env, ponte_init
from tests.support import wppconnect_text

pytestmark = pytest.mark.slow

MARKER = "marcador-processos-5d1e"
FORMS = ("553187654321", "5531987654321")
LID = "276974622781686"
OTHER = "5521998765432"

HIDE = """
import django, sys
django.setup()
from ponte.privacy.services import Actor, do_hide_number
do_hide_number(sys.argv[1], "+5531987654321", Actor(None, "dono@loja.com.br"))
"""
# Every text of every table but the hides and their audit trail, and what is still queued.
SCAN = """
import django, json, sys
django.setup()
from ponte.inbox.models import InboxEvent
from ponte.inbox.test_sweep import stored_mentions
pending = InboxEvent.objects.filter(state="pending").count()
print(json.dumps({"found": stored_mentions(*json.loads(sys.argv[1])), "pending": pending}))
"""


def django_script(env: dict, code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env | {"DJANGO_SETTINGS_MODULE": "ponte.settings"},
                          timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def bodies(n: int) -> list[dict]:
    """One message of the person in each form WhatsApp writes them, and one of us to them."""
    return [
        wppconnect_text(FORMS[0], f"P{n}", f"{MARKER} {n}"),
        wppconnect_text(FORMS[1], f"Q{n}", f"{MARKER} {n}"),
        wpp_lid_link(LID, FORMS[1], f"L{n}", f"{MARKER} {n}"),
        {**wppconnect_text(FORMS[0], f"E{n}", f"{MARKER} {n}"), "fromMe": True,
         "from": "5511988880000@c.us", "to": f"{FORMS[0]}@c.us",
         "id": f"true_{FORMS[0]}@c.us_E{n}"},
    ]


def test_a_number_hidden_while_ponte_serve_takes_its_messages_is_gone_after_a_sweep(tmp_path):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect", "Loja Corrida")
        sweep = {"PONTE_PRIVACY_SWEEP_SECONDS": "1"}
        with Server(env, extra_env=sweep) as server:
            url = server.base + made["webhook_url"]
            hidden = threading.Event()
            answers: list[int] = []

            def poster(form: int) -> None:
                with httpx.Client(timeout=30) as client:
                    n = 0
                    # Before the hide, during it, and a little after it.
                    while not hidden.is_set() or n < 10:
                        answers.append(client.post(url, json=bodies(n)[form]).status_code)
                        n += 1
                    for extra in range(10):
                        answers.append(client.post(url, json=bodies(1000 + extra)[form])
                                       .status_code)

            def other() -> None:
                with httpx.Client(timeout=30) as client:
                    for n in range(20):
                        answers.append(client.post(url, json=wppconnect_text(
                            OTHER, f"O{n}", f"pedido {n}")).status_code)

            threads = [threading.Thread(target=poster, args=(f,)) for f in range(4)]
            threads.append(threading.Thread(target=other))
            for thread in threads:
                thread.start()
            time.sleep(0.3)  # some of the person is stored, more is on the way
            try:
                django_script(env, HIDE, made["organization_id"])
            finally:
                hidden.set()
            for thread in threads:
                thread.join(120)
            assert set(answers) == {200}

            deadline = time.monotonic() + 30
            while True:
                scan = json.loads(django_script(env, SCAN, json.dumps([MARKER, *FORMS, LID])))
                if scan["pending"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            time.sleep(2.5)  # a sweep (every second here) after the queue is empty
            scan = json.loads(django_script(env, SCAN, json.dumps([MARKER, *FORMS, LID])))

        assert scan == {"found": [], "pending": 0}
        scan_other = json.loads(django_script(env, SCAN, json.dumps(["pedido 19"])))
        assert scan_other["found"], "the other customer's messages are kept"
