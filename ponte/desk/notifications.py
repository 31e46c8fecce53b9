"""What one member is told about: a chat assigned to them, a note that mentions them.

The realtime layer publishes to the whole organization, so events carry only the
`user_id`; each tab asks for its own member's list, never anyone else's.
"""

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.conversations.models import Conversation, Message
from ponte.desk.models import Note, Notification

SHOWN = 20


def do_notify(org_id, user, kind: str, *, conversation: Conversation | None = None,
              note: Note | None = None, actor_name: str = "") -> Notification:
    """One notification for `user`; `actor_name` is who caused it, as it read then."""
    with transaction.atomic():
        made = Notification.objects.create(org_id=org_id, user=user, kind=kind,
                                           conversation=conversation, note=note,
                                           text=actor_name[:300])
        realtime.publish_on_commit(org_id, "notification.new", {"user_id": user.pk})
    return made


def notification_text(notification: Notification) -> str:
    """The sentence the bell shows: "Bia mencionou você em Ana Souza"."""
    who = notification.text or _("Alguém")
    chat = notification.conversation
    contact = chat.contact.display_name if chat is not None else ""
    if notification.kind == Notification.Kind.MENTION:
        return _("%(who)s mencionou você em %(chat)s") % {"who": who, "chat": contact}
    if notification.kind == Notification.Kind.ASSIGNED:
        return _("%(who)s atribuiu a você a conversa com %(chat)s") % {"who": who,
                                                                       "chat": contact}
    return notification.get_kind_display()


def mine(org_id, user):
    return Notification.objects.filter(org_id=org_id, user=user)


def latest_for(org_id, user, limit: int = SHOWN) -> list[Notification]:
    """The member's newest notifications in this organization, read or not."""
    return list(mine(org_id, user).select_related("conversation__contact")
                .order_by("-created_at", "-pk")[:limit])


def unread_count(org_id, user) -> int:
    return mine(org_id, user).filter(read_at__isnull=True).count()


def _told(org_id, user) -> None:
    realtime.publish_on_commit(org_id, "notification.read", {"user_id": user.pk})


def do_open(notification: Notification) -> None:
    """The member followed it: it no longer counts, in any of their tabs."""
    with transaction.atomic():
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=timezone.now()):
            _told(notification.org_id, notification.user)


def do_mark_all_read(org_id, user) -> int:
    with transaction.atomic():
        changed = mine(org_id, user).filter(read_at__isnull=True).update(read_at=timezone.now())
        if changed:
            _told(org_id, user)
    return changed


def theirs_or_nobodys(org_id, user):
    """The chats a member is alerted about: assigned to them, or to nobody."""
    return Conversation.objects.filter(Q(assignee=user) | Q(assignee__isnull=True),
                                       org_id=org_id)


def unread_messages(org_id, user) -> int:
    """Unread customer messages in the member's chats and the unassigned ones (the tab title)."""
    return theirs_or_nobodys(org_id, user).aggregate(n=Sum("unread_count"))["n"] or 0


def alerts_for(org_id, user, message_ids: list[int]) -> list[Message]:
    """Which of these new messages should announce themselves to the member: the customer's,
    in their chats or the unassigned ones."""
    return list(Message.objects.filter(
        org_id=org_id, pk__in=message_ids[:50], direction=Message.Direction.INBOUND,
        conversation__in=theirs_or_nobodys(org_id, user))
        .select_related("conversation__contact").order_by("pk"))
