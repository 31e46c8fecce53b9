"""Full-text search over what a message says: its text, its caption, its transcript.

SQLite: an FTS5 index over the message table, kept by triggers, its tokenizer
folding accents ("rapido" finds "rápido"). PostgreSQL: a GIN index over a Portuguese
`tsvector` of the same words with their accents taken off.

Django's SQLite schema editor rebuilds a table it alters and drops its triggers with
it: a later migration that alters `conversations_message` must create them again
(`create_sqlite_triggers` below); the search tests fail if it does not.
"""

from django.db import migrations

from ponte.db import sql_by_vendor

SQLITE_TABLE = "conversations_message_search"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_insert
    AFTER INSERT ON conversations_message BEGIN
      INSERT INTO {SQLITE_TABLE}(rowid, text, caption, transcript)
      VALUES (new.id, new.text, new.caption, new.transcript);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_delete
    AFTER DELETE ON conversations_message BEGIN
      INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, text, caption, transcript)
      VALUES ('delete', old.id, old.text, old.caption, old.transcript);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_update
    AFTER UPDATE OF text, caption, transcript ON conversations_message BEGIN
      INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, text, caption, transcript)
      VALUES ('delete', old.id, old.text, old.caption, old.transcript);
      INSERT INTO {SQLITE_TABLE}(rowid, text, caption, transcript)
      VALUES (new.id, new.text, new.caption, new.transcript);
    END""",
]
SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(
      text, caption, transcript, content='conversations_message', content_rowid='id',
      tokenize='unicode61 remove_diacritics 2')""",
    *SQLITE_TRIGGERS,
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_{event}"
               for event in ("insert", "delete", "update")] + [f"DROP TABLE IF EXISTS {SQLITE_TABLE}"]

# translate() folds the accents Portuguese uses without the unaccent extension, which a
# managed PostgreSQL may not offer; being IMMUTABLE, it can be indexed.
ACCENTED = "áàâãäéèêëíìîïóòôõöúùûüçñÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑ"
PLAIN = "aaaaaeeeeiiiiooooouuuucnAAAAAEEEEIIIIOOOOOUUUUCN"
POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION ponte_unaccent(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT translate(value, '{ACCENTED}', '{PLAIN}') $$""",
    """CREATE OR REPLACE FUNCTION ponte_message_words(text text, caption text, transcript text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_tsvector('pg_catalog.portuguese'::regconfig, ponte_unaccent(
      coalesce(text, '') || ' ' || coalesce(caption, '') || ' ' || coalesce(transcript, ''))) $$""",
    """CREATE INDEX conversations_message_words ON conversations_message
    USING gin (ponte_message_words(text, caption, transcript))""",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS conversations_message_words",
    "DROP FUNCTION IF EXISTS ponte_message_words(text, text, text)",
    "DROP FUNCTION IF EXISTS ponte_unaccent(text)",
]


# For a later migration that alters the table on SQLite (its rebuild drops the triggers).
create_sqlite_triggers = sql_by_vendor(sqlite=SQLITE_TRIGGERS, postgresql=[])


class Migration(migrations.Migration):

    dependencies = [
        ("conversations", "0007_message_voice_to_transcribe"),
    ]

    operations = [migrations.RunPython(
        sql_by_vendor(sqlite=SQLITE_CREATE, postgresql=POSTGRES_CREATE),
        sql_by_vendor(sqlite=SQLITE_DROP, postgresql=POSTGRES_DROP))]
