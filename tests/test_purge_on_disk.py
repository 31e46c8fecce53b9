"""Issue 10, "deleted means gone from disk": a hidden person's words are in no file and no table."""

import contextlib
from pathlib import Path

import httpx
import psycopg
import pytest

from ponte.privacy.test_hiding import wpp_lid_link
from tests.procs import Server, all_messages, isolated_env, ponte_init, wait_for
from tests.support import wppconnect_text

pytestmark = pytest.mark.slow

MARKER = "segredo-familia-7f3a9c"
NEIGHBOUR = "pedido-vizinho-2b81e4"


def encodings(text: str) -> list[bytes]:
    return [text.encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be")]


def files_holding(data_dir: Path, text: str) -> list[str]:
    """Every file under the data directory (database, WAL, shared memory, media, logs) whose
    bytes hold the text in UTF-8 or UTF-16."""
    needles = encodings(text)
    return [str(path.relative_to(data_dir)) for path in sorted(data_dir.rglob("*"))
            if path.is_file() and any(n in path.read_bytes() for n in needles)]


def tables_holding(database_url: str, text: str) -> list[str]:
    """Every PostgreSQL table of the database with a row whose text form holds the text."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return [table for table in tables if conn.execute(
            f'SELECT count(*) FROM "{table}" AS r WHERE r::text LIKE %s',
            [f"%{text}%"]).fetchone()[0]]


def holders_of(env: dict, text: str) -> list[str]:
    found = files_holding(Path(env["PONTE_DATA_DIR"]), text)
    if "DATABASE_URL" in env:
        found += tables_holding(env["DATABASE_URL"], text)
    return found


def test_a_hidden_persons_messages_leave_every_file_and_table_within_seconds(tmp_path):
    with isolated_env(tmp_path / "data") as env:
        made = ponte_init(env, "wppconnect", "Loja do Disco")
        with Server(env) as server:
            url, api = server.base + made["webhook_url"], made["api_key"]
            bodies = [wppconnect_text("553187654321", f"F{n}", f"{MARKER} mensagem {n}")
                      for n in range(5)]
            bodies.append(wpp_lid_link("276974622781686", "5531987654321", "L1",
                                       f"{MARKER} pelo lid"))
            bodies.append(wppconnect_text("5521998765432", "V1", f"{NEIGHBOUR} chegou?"))
            for body in bodies:
                assert httpx.post(url, json=body, timeout=10).status_code == 200
            wait_for(lambda: len(all_messages(server.base, api)) == len(bodies))
            assert holders_of(env, MARKER), "the words are stored before the hide"

            hidden = httpx.post(server.base + "/api/v1/hidden-numbers",
                                json={"phone": "(31) 98765-4321", "note": "família"},
                                headers={"Authorization": f"Bearer {api}"}, timeout=30)
            assert hidden.status_code == 201, hidden.text

            left = [m for m in all_messages(server.base, api) if m["e164"] == "+5531987654321"]
            assert left == []
            with contextlib.suppress(AssertionError):
                wait_for(lambda: not holders_of(env, MARKER), timeout=10)
            assert holders_of(env, MARKER) == []
            assert holders_of(env, NEIGHBOUR), "another customer's messages are kept"
