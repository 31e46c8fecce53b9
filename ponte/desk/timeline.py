"""A chat's timeline beside its messages: notes and changes (status, assignment, labels).

The chat's history pages are windows of messages; each window shows the entries made
within it, so paging back shows them in place, and the newest window also shows what
came after its last message.
"""

from datetime import datetime

from ponte.conversations.models import Conversation
from ponte.desk.models import ConversationEvent, Note


def entries_between(chat: Conversation, start: datetime | None,
                    end: datetime | None) -> list[Note | ConversationEvent]:
    """Notes and events with `start <= created_at < end` (open ends unbounded), oldest first.
    Each has `timeline_at` (its time) and `timeline_template` (how the history draws it)."""
    window = {}
    if start is not None:
        window["created_at__gte"] = start
    if end is not None:
        window["created_at__lt"] = end
    notes = list(Note.objects.filter(conversation=chat, **window).select_related("author"))
    events = list(ConversationEvent.objects.filter(conversation=chat, **window))
    for note in notes:
        note.timeline_at, note.timeline_template = note.created_at, "web/_timeline_note.html"
    for event in events:
        event.timeline_at, event.timeline_template = event.created_at, "web/_timeline_event.html"
    return sorted(notes + events, key=lambda entry: (entry.timeline_at, entry.pk))
