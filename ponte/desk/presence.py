"""Who is at the desk now: a member seen within ONLINE (a page, the live connection's ping)
may get new chats by automatic assignment."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from ponte.accounts.models import Member

ONLINE = timedelta(minutes=2)
FRESH = timedelta(seconds=60)  # written at most this often per member: pages and pings are many


def do_mark_seen(org_id, user_id, now: datetime | None = None) -> None:
    """The member is here; one cheap conditional UPDATE, nothing when seen just now."""
    now = now or timezone.now()
    Member.objects.filter(org_id=org_id, user_id=user_id).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - FRESH)).update(last_seen_at=now)


def seen_recently(member: Member, now: datetime | None = None) -> bool:
    """Whether writing `last_seen_at` again would change nothing that matters."""
    now = now or timezone.now()
    return member.last_seen_at is not None and member.last_seen_at >= now - FRESH


def online_members(org_id, now: datetime | None = None) -> list[Member]:
    now = now or timezone.now()
    return list(Member.objects.filter(org_id=org_id, user__is_active=True,
                                      last_seen_at__gte=now - ONLINE).select_related("user"))
