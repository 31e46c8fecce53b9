"""ponte.db: SQLite's files private to their owner, and rows inserted in bulk as the ORM would."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ponte.conversations.models import Contact, Conversation, Message
from ponte.db import insert_rows

REPO = Path(__file__).resolve().parent.parent
PROBE = """
import json, os, django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0, interactive=False)
with connection.cursor() as cursor:  # a write, so the WAL and its shared memory exist
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x int)")
    cursor.execute("INSERT INTO probe VALUES (1)")
name = str(connection.settings_dict["NAME"])
print(json.dumps({suffix: oct(os.stat(name + suffix).st_mode & 0o777)
                  for suffix in ("", "-wal", "-shm") if os.path.exists(name + suffix)}))
"""


def run_probe(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="ponte.settings", PONTE_DATA_DIR=str(data_dir))
    shown = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           cwd=REPO, env=env, check=True, preexec_fn=lambda: os.umask(0o022))
    return json.loads(shown.stdout.strip().splitlines()[-1])


def test_a_new_sqlite_database_and_its_wal_are_readable_by_their_owner_only(tmp_path):
    modes = run_probe(tmp_path)

    assert modes == {"": "0o600", "-wal": "0o600", "-shm": "0o600"}


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    run_probe(tmp_path)
    database = tmp_path / "ponte.sqlite3"
    database.chmod(0o644)

    assert run_probe(tmp_path)[""] == "0o600"


def test_rows_inserted_in_bulk_read_back_as_the_orm_writes_them(make_tenant):
    tenant = make_tenant()
    contact = Contact.objects.create(org=tenant.org, e164="+5531987654321")
    chat = Conversation.objects.create(org=tenant.org, instance=tenant.instance, contact=contact)
    when = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)

    def message(n: int) -> Message:
        return Message(org_id=tenant.org.pk, instance=tenant.instance, conversation_id=chat.pk,
                       engine_message_id=f"M{n}", direction=Message.Direction.INBOUND,
                       kind="image", text=f"olá {n} ✓ 'aspas' \"duplas\"",
                       media={"mime": "image/jpeg", "n": n}, revoked=bool(n % 2),
                       engine_timestamp=when + timedelta(seconds=n))

    ours = [message(n) for n in range(3)]
    insert_rows(ours)
    orms = [message(n) for n in range(3, 6)]
    Message.objects.bulk_create(orms)

    assert len({m.pk for m in ours}) == 3 and None not in {m.pk for m in ours}
    stored = {m.pk: m for m in Message.objects.filter(conversation=chat)}
    for n, sent in enumerate(ours + orms):
        back = stored[sent.pk]
        assert (back.engine_message_id, back.text, back.media, back.revoked, back.org_id,
                back.engine_timestamp) == (f"M{n}", sent.text, {"mime": "image/jpeg", "n": n},
                                           bool(n % 2), tenant.org.pk,
                                           when + timedelta(seconds=n))
    later = Message.objects.filter(engine_timestamp__gt=when + timedelta(seconds=1))
    assert sorted(later.values_list("engine_message_id", flat=True)) == ["M2", "M3", "M4", "M5"]
