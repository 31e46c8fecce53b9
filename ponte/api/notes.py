"""A conversation's internal notes, for integrators: read them, write one.

A note written with an API key has no member as author; the key's name says who wrote
it. Notes are never sent to the customer.
"""

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from ponte.api import cursors, schemas
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.conversations import queries
from ponte.desk.models import Note
from ponte.desk.notes import MAX_NOTE, do_add_note

router = Router(tags=["notes"])


class MentionOut(Schema):
    id: int
    name: str


class NoteOut(Schema):
    id: int
    conversation_id: int
    author: str = Field(description="Who wrote it, as it read then: a member's name or "
                                    "e-mail, or `Chave de API “<name>”`.")
    text: str
    mentions: list[MentionOut] = Field(description="The members the note mentions with `@`.")
    created_at: datetime


class NotePage(Schema):
    items: list[NoteOut]
    next_before: str | None = Field(description=schemas.CURSOR)


class NoteIn(Schema):
    text: str = Field(max_length=MAX_NOTE * 2, description=(
        f"The note, up to {MAX_NOTE} characters; `@name` mentions a member (first name or "
        "the e-mail before the `@`), who is notified."))


def _note_out(note: Note) -> dict:
    return {"id": note.pk, "conversation_id": note.conversation_id, "author": note.author_name,
            "text": note.text, "created_at": note.created_at,
            "mentions": [{"id": user.pk, "name": user.get_full_name() or user.email}
                         for user in note.mentions.all()]}


def _chat(request: HttpRequest, conversation_id: int):
    chat = queries.conversation_or_none(request.auth, conversation_id)
    if chat is None:
        raise HttpError(404, "No such conversation.")
    return chat


@router.get("/conversations/{conversation_id}/notes",
            response=answers({200: NotePage}, 400, 404))
def list_notes(request: HttpRequest, conversation_id: int, before: str | None = BEFORE,
               limit: int = LIMIT):
    """The conversation's internal notes, newest first."""
    notes = Note.objects.filter(conversation=_chat(request, conversation_id))
    if before:
        at, pk = cursors.decode(before, (datetime, int))
        notes = notes.filter(created_at__lte=at).exclude(created_at=at, pk__gte=pk)
    rows = list(notes.prefetch_related("mentions").order_by("-created_at", "-pk")[: limit + 1])
    shown, next_before = page(rows, limit, lambda note: (note.created_at, note.pk))
    return {"items": [_note_out(note) for note in shown], "next_before": next_before}


@router.post("/conversations/{conversation_id}/notes",
             response=answers({201: NoteOut}, 400, 404))
def add_note(request: HttpRequest, conversation_id: int, payload: NoteIn):
    """Write an internal note in the conversation (never sent to the customer); the
    members it mentions are notified. A blank note is `empty_note` (400), a long one
    `note_too_long` (422)."""
    chat = _chat(request, conversation_id)
    with translation.override(settings.LANGUAGE_CODE):  # stored as the site's language reads
        name = _("Chave de API “%(name)s”") % {"name": request.api_key.name}
    return Status(201, _note_out(do_add_note(chat, None, payload.text, author_name=name)))
