"""Finding a contact by part of a name or phone without reading every contact.

SQLite: an FTS5 trigram index over the contact's name, WhatsApp name and e164, kept by
triggers (`ponte.conversations.contact_search` queries it; under three characters the
search falls back to LIKE). PostgreSQL: pg_trgm GIN indexes on exactly the expressions
Django's `icontains` and `contains` compare (`UPPER(name::text)`, `e164::text`), so the
same queries use them. As with 0008, a migration that alters `conversations_contact` on
SQLite must create the triggers again (`create_sqlite_triggers`).
"""

from django.db import migrations

from ponte.db import sql_by_vendor

TABLE = "conversations_contact_search"
COLUMNS = "name, push_name, e164"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON conversations_contact BEGIN
      INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, new.name, new.push_name, new.e164);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON conversations_contact BEGIN
      INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS})
      VALUES ('delete', old.id, old.name, old.push_name, old.e164);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_update
    AFTER UPDATE OF {COLUMNS} ON conversations_contact BEGIN
      INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS})
      VALUES ('delete', old.id, old.name, old.push_name, old.e164);
      INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, new.name, new.push_name, new.e164);
    END""",
]
SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS}, content='conversations_contact',
      content_rowid='id', tokenize='trigram')""",
    *SQLITE_TRIGGERS,
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_{event}"
               for event in ("insert", "delete", "update")] + [f"DROP TABLE IF EXISTS {TABLE}"]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX conversations_contact_name_trgm ON conversations_contact
    USING gin (UPPER(name::text) gin_trgm_ops)""",
    """CREATE INDEX conversations_contact_push_name_trgm ON conversations_contact
    USING gin (UPPER(push_name::text) gin_trgm_ops)""",
    """CREATE INDEX conversations_contact_e164_trgm ON conversations_contact
    USING gin ((e164::text) gin_trgm_ops)""",
]
POSTGRES_DROP = [f"DROP INDEX IF EXISTS conversations_contact_{name}_trgm"
                 for name in ("name", "push_name", "e164")]


# For a later migration that alters the table on SQLite (its rebuild drops the triggers).
create_sqlite_triggers = sql_by_vendor(sqlite=SQLITE_TRIGGERS, postgresql=[])


class Migration(migrations.Migration):

    dependencies = [
        ("conversations", "0009_conversation_status"),
    ]

    operations = [migrations.RunPython(
        sql_by_vendor(sqlite=SQLITE_CREATE, postgresql=POSTGRES_CREATE),
        sql_by_vendor(sqlite=SQLITE_DROP, postgresql=POSTGRES_DROP))]
