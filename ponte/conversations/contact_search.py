"""A contact found by part of its name, WhatsApp name or phone, through an index.

On SQLite the FTS5 trigram index of migration 0010 answers for three characters or
more (it matches substrings, capitals ignored); shorter text falls back to LIKE. On
PostgreSQL the same `icontains` and `contains` lookups use its pg_trgm indexes.
"""

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

TRIGRAM = 3


def _indexed(columns: str, text: str) -> Q:
    quoted = '"' + text.replace('"', '""') + '"'
    return Q(contact_id__in=RawSQL(
        "SELECT rowid FROM conversations_contact_search WHERE conversations_contact_search "
        "MATCH %s", [f"{{{columns}}} : {quoted}"]))


def name_matching(text: str) -> Q:
    """Conversations whose contact's name or WhatsApp name holds the text."""
    if connection.vendor == "sqlite" and len(text) >= TRIGRAM:
        return _indexed("name push_name", text)
    return Q(contact__name__icontains=text) | Q(contact__push_name__icontains=text)


def phone_matching(digits: str) -> Q:
    """Conversations whose contact's phone holds these digits."""
    if connection.vendor == "sqlite" and len(digits) >= TRIGRAM:
        return _indexed("e164", digits)
    return Q(contact__e164__contains=digits)
