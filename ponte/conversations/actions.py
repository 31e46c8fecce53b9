"""What an attendant does to a chat besides writing in it: read it, take it."""

from django.db import transaction

from ponte import realtime
from ponte.conversations.models import Conversation


def do_mark_read(chat: Conversation) -> None:
    """An attendant has seen the chat: its unread count goes to zero in every tab."""
    with transaction.atomic():
        Conversation.objects.filter(pk=chat.pk).update(unread_count=0)
        realtime.publish_on_commit(chat.org_id, "conversation.read", {"conversation_id": chat.pk})
    chat.unread_count = 0


def do_assign(chat: Conversation, user) -> None:
    """Who answers this chat (None: nobody in particular); the inbox's "mine" filter."""
    with transaction.atomic():
        Conversation.objects.filter(pk=chat.pk).update(assignee=user)
        realtime.publish_on_commit(chat.org_id, "conversation.assigned",
                                   {"conversation_id": chat.pk})
    chat.assignee = user
