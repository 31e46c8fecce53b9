"""The sweep's privacy half: whatever of a hidden number slipped in through a race is erased.

A hide reads the hidden numbers, purges, and commits; a webhook answered in another
process in the seconds before it saw the hide, or a drainer batch that read the
hidden numbers before it committed, can still write the person back. Each pass looks
for every hidden number again and erases what it finds, through the same registry of
personal data a hide uses, and records the counts (never content) in the audit trail.
"""

import logging
from collections import Counter

from django.db import transaction

from ponte.db import serialized_writes
from ponte.privacy.models import HiddenNumber
from ponte.privacy.people import erase_person, person_for
from ponte.privacy.services import do_record_sweep

log = logging.getLogger(__name__)


def erase_hidden_leftovers() -> dict[object, dict[str, int]]:
    """Erase what is stored again about each hidden number; counts by kind, per organization
    where something was found (and recorded)."""
    hidden: dict[object, list[str]] = {}
    for org_id, e164 in HiddenNumber.objects.order_by("org_id", "id").values_list("org_id",
                                                                                  "e164"):
        hidden.setdefault(org_id, []).append(e164)
    found = {}
    for org_id, numbers in hidden.items():
        counts: Counter = Counter()
        with serialized_writes(), transaction.atomic():
            for e164 in numbers:
                counts.update(erase_person(person_for(org_id, e164), hiding=True))
            if counts:
                do_record_sweep(org_id, dict(counts))
        if counts:
            found[org_id] = dict(counts)
            log.warning("sweep: erased what slipped in of %d hidden number(s) of org %s: %s",
                        len(numbers), org_id, dict(counts))
    return found
