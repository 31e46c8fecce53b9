"""Which numbers are hidden: the sets the webhook and the drainer check every event against."""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async

from ponte.engines.events import Event, IdentityLink, InboundMessage, Revoked, StatusUpdate
from ponte.identity import Identity, canonicalize, ninth_digit_variants
from ponte.privacy.models import HiddenHandle

TTL_SECONDS = 2.0


@dataclass(frozen=True)
class HiddenSet:
    """The digit strings of an organization's hidden numbers, each with its hide's id."""

    owners: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.owners)

    def owner_of(self, identity: Identity | None) -> int | None:
        if identity is None or not self.owners:
            return None
        if identity.kind == "user" and identity.e164:
            return self.owners.get(identity.e164[1:]) or self.owners.get(identity.wa_user or "")
        if identity.kind == "lid":
            return self.owners.get(identity.wa_user or "")
        return None

    def mentioned_in(self, text: str) -> bool:
        return any(handle in text for handle in self.owners)

    def covers(self, event: Event, body: str = "") -> bool:
        """Whether an event is from or to a hidden number.

        An ack or a revoke names no person: it is dropped when its message id, or
        the body it came in, carries a hidden number (WPPConnect's ids hold the phone).
        """
        if isinstance(event, InboundMessage):
            return any(self.owner_of(i) for i in (event.chat, event.sender, event.alternate))
        if isinstance(event, IdentityLink):
            return bool(self.owner_of(event.phone) or self.owner_of(event.lid))
        if isinstance(event, StatusUpdate | Revoked):
            return self.mentioned_in(event.engine_message_id) or self.mentioned_in(body)
        return False

    def learnt_lids(self, events: Iterable[Event]) -> dict[str, int]:
        """@lids newly seen beside a hidden phone: they are the same hidden person."""
        learnt = {}
        for event in events:
            if isinstance(event, InboundMessage):
                pair = (event.chat, event.alternate)
            elif isinstance(event, IdentityLink):
                pair = (event.phone, event.lid)
            else:
                continue
            owner = next((o for i in pair if (o := self.owner_of(i))), None)
            for identity in pair:
                if owner and identity is not None and identity.kind == "lid" \
                        and identity.wa_user and identity.wa_user not in self.owners:
                    learnt[identity.wa_user] = owner
        return learnt


def phone_handles(e164: str) -> list[str]:
    """Every digit string WhatsApp may write for this phone (with and without the ninth digit)."""
    return ninth_digit_variants(canonicalize(e164))


def hidden_sets(org_ids: Iterable) -> dict[object, HiddenSet]:
    """Fresh from the database: what the drainer checks a batch against."""
    owners: dict[object, dict[str, int]] = {org_id: {} for org_id in org_ids}
    for org_id, value, hidden_id in HiddenHandle.objects.filter(org_id__in=owners).values_list(
            "org_id", "value", "hidden_id"):
        owners[org_id][value] = hidden_id
    return {org_id: HiddenSet(found) for org_id, found in owners.items()}


_cache: dict[object, tuple[float, HiddenSet]] = {}


async def cached_hidden_set(org_id) -> HiddenSet:
    """For the webhook: read at most every few seconds, and at once after a hide here.

    A hide in another process is seen within TTL_SECONDS; what arrives meanwhile is
    dropped by the drainer, which reads the database, and its body by the sweep.
    """
    now = time.monotonic()
    hit = _cache.get(org_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = (await sync_to_async(hidden_sets)([org_id]))[org_id]
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[org_id] = (now + TTL_SECONDS, found)
    return found


def forget_cached(org_id) -> None:
    _cache.pop(org_id, None)
