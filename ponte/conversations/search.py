"""Finding messages by what they say: text, caption and voice-note transcript.

Both databases ignore accents and case ("rapido" finds "rápido", "joao" finds "João")
and treat each word typed as the start of a word ("entreg" finds "entrega"). The
indexes are made by migration 0008: FTS5 on SQLite, a Portuguese GIN index on
PostgreSQL. A hidden number's messages are deleted when it is hidden, so no search
can find them.
"""

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from ponte.conversations.models import Message

MAX_TERMS = 8
MIN_TERM_LENGTH = 2
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words of a query worth looking for: punctuation and operators are dropped, so
    nothing typed can reach the database as search syntax."""
    words = [word.lower() for word in _WORD.findall(query) if word.strip("_")]
    return [word for word in words if len(word) >= MIN_TERM_LENGTH][:MAX_TERMS]


def _matching(terms: list[str]) -> RawSQL:
    if connection.vendor == "sqlite":
        match = " ".join(f'"{term}"*' for term in terms)
        return RawSQL(
            "conversations_message.id IN (SELECT rowid FROM conversations_message_search "
            "WHERE conversations_message_search MATCH %s)", [match], output_field=BooleanField())
    query = " & ".join(f"{term}:*" for term in terms)
    return RawSQL(
        "ponte_message_words(conversations_message.text, conversations_message.caption, "
        "conversations_message.transcript) @@ to_tsquery('pg_catalog.portuguese', "
        "ponte_unaccent(%s))", [query], output_field=BooleanField())


def found_messages(org_id, query: str) -> QuerySet[Message]:
    """The organization's messages containing every word of the query, newest first
    (by id: the order they were stored); empty when the query has no word to look for."""
    terms = search_terms(query)
    if not terms:
        return Message.objects.none()
    return (Message.objects.for_org(org_id).filter(_matching(terms), revoked=False)
            .select_related("conversation__contact", "file").order_by("-id"))


def search_page(org_id, query: str, *, before: int | None, limit: int,
                visible: Q | None = None) -> list[Message]:
    """A page of `found_messages` below the message id `before`; one extra row. `visible`:
    a filter on the messages, for a member who may see only some chats."""
    found = found_messages(org_id, query)
    if visible is not None:
        found = found.filter(visible)
    if before is not None:
        found = found.filter(pk__lt=before)
    return list(found[: limit + 1])
