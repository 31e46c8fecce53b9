"""Who answers a chat: assigned by an attendant (with a note for the next one), taken with
"Assumir", given back, or handed out in turn to who is online (`roundrobin.py`)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.accounts.models import Member
from ponte.conversations.models import Conversation
from ponte.db import serialized_writes
from ponte.desk.labels import name_of
from ponte.desk.models import ConversationEvent, Notification
from ponte.desk.notifications import do_notify
from ponte.errors import Refused

NOTE_LENGTH = 500


def check_assignee(org_id, user_id) -> object | None:
    """The user a chat may be given to: an active member of its organization; None: nobody."""
    if user_id in (None, ""):
        return None
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        user_id = 0
    member = (Member.objects.filter(org_id=org_id, user_id=user_id, user__is_active=True)
              .select_related("user").first())
    if member is None:
        raise Refused("invalid_assignee", _(
            "Essa pessoa não é membro desta organização: a conversa só pode ficar com alguém "
            "da equipe."), status=422)
    return member.user


def do_assign_to(chat: Conversation, user, actor=None, note: str = "", *,
                 actor_name: str | None = None, auto: bool = False) -> bool:
    """Give the chat to `user` (None: to nobody); the new assignee is told unless they took it
    themselves. False when it already was theirs and there is no note to pass on."""
    note = " ".join(note.split())[:NOTE_LENGTH] if user is not None else ""
    who = name_of(actor) if actor_name is None else actor_name
    with serialized_writes(), transaction.atomic():
        current = (Conversation.objects.select_for_update(of=("self",))
                   .select_related("assignee").get(pk=chat.pk))
        before = current.assignee
        if (before.pk if before else None) == (user.pk if user else None) and not note:
            chat.assignee = before
            return False
        now = timezone.now()
        Conversation.objects.filter(pk=chat.pk).update(assignee=user)
        if user is None:
            kind = ConversationEvent.Kind.UNASSIGNED
            data = {"from_id": before.pk, "from_name": name_of(before)}
        else:
            kind = ConversationEvent.Kind.ASSIGNED
            data = {"from_id": before.pk if before else None, "to_id": user.pk,
                    "to_name": name_of(user)}
            if before is not None:
                data["from_name"] = name_of(before)
            if note:
                data["note"] = note
            if auto:
                data["auto"] = True
        event = ConversationEvent.objects.create(
            org_id=chat.org_id, conversation_id=chat.pk, kind=kind, actor=actor,
            actor_name=who, data=data, created_at=now)
        if user is not None and (actor is None or actor.pk != user.pk):
            do_notify(chat.org_id, user, Notification.Kind.ASSIGNED, conversation=chat,
                      actor_name=who)
        realtime.publish_on_commit(chat.org_id, "conversation.assigned", {
            "conversation_id": chat.pk, "assignee_id": user.pk if user else None,
            "event_id": event.pk})
    chat.assignee = user
    return True


def do_take(chat: Conversation, user) -> None:
    """The "Assumir" button: the chat becomes the user's, or goes back to nobody if it was."""
    do_assign_to(chat, None if chat.assignee_id == user.pk else user, user)


def members_to_assign(org_id) -> list:
    """The users a chat may be given to, by name."""
    users = get_user_model().objects.filter(memberships__org_id=org_id, is_active=True)
    return sorted(users, key=lambda u: name_of(u).lower())
