"""SQLite's files hold every message: only their owner may read them."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
