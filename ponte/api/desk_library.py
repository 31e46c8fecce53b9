"""The shop's labels and quick replies for integrators: list, create, read, change, delete.

Names and shortcuts are unique per organization whatever their capitals: a duplicate is a
409; a blank or too long one a 422 with a pt-BR `detail`.
"""

from datetime import datetime

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from ponte.api import cursors
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.api.schemas import CURSOR
from ponte.desk.label_library import do_create_label, do_delete_label, do_update_label
from ponte.desk.models import Label, QuickReply
from ponte.desk.quick_replies import (
    do_create_quick_reply,
    do_delete_quick_reply,
    do_update_quick_reply,
)

router = Router(tags=["labels and quick replies"])


class LabelOut(Schema):
    id: int
    name: str
    colour: str = Field(description="`#rrggbb`.")
    conversations: int = Field(description="How many conversations carry it.")
    created_at: datetime


class LabelPage(Schema):
    items: list[LabelOut]
    next_before: str | None = Field(description=CURSOR)


class LabelIn(Schema):
    name: str = Field(description="At most 60 characters; unique whatever its capitals.")
    colour: str | None = Field(None, description="`#rrggbb`; grey when left out.")


class LabelPatch(Schema):
    name: str | None = None
    colour: str | None = None


class QuickReplyOut(Schema):
    id: int
    shortcut: str = Field(description="What follows `/` in the composer, e.g. `entrega`.")
    text: str = Field(description=(
        "As saved: `{nome}`, `{nome_completo}`, `{atendente}`, `{cashback}`, "
        "`{validade_cashback}` are filled in when an attendant picks it."))
    updated_at: datetime


class QuickReplyPage(Schema):
    items: list[QuickReplyOut]
    next_before: str | None = Field(description=CURSOR)


class QuickReplyIn(Schema):
    shortcut: str = Field(description="One word, at most 40 characters; unique whatever its "
                                      "capitals.")
    text: str = Field(description="At most 4096 characters.")


class QuickReplyPatch(Schema):
    shortcut: str | None = None
    text: str | None = None


def _newest_first(rows, before: str | None, limit: int) -> tuple[list, str | None]:
    if before:
        rows = rows.filter(id__lt=cursors.decode(before, (int,))[0])
    return page(list(rows.order_by("-id")[: limit + 1]), limit, lambda row: (row.pk,))


def _label_out(label: Label, count: int | None = None) -> dict:
    if count is None:
        count = label.conversationlabel_set.count()
    return {"id": label.pk, "name": label.name, "colour": label.colour,
            "conversations": count, "created_at": label.created_at}


def _label_or_404(request: HttpRequest, label_id: int) -> Label:
    label = Label.objects.for_org(request.auth).filter(pk=label_id).first()
    if label is None:
        raise HttpError(404, "No such label.")
    return label


@router.get("/labels", response=answers({200: LabelPage}, 400))
def list_labels(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT):
    """The organization's labels, newest first, each with how many conversations carry it."""
    rows, next_before = _newest_first(
        Label.objects.for_org(request.auth).annotate(count=Count("conversationlabel")),
        before, limit)
    return {"items": [_label_out(label, label.count) for label in rows],
            "next_before": next_before}


@router.post("/labels", response=answers({201: LabelOut}, 409))
def create_label(request: HttpRequest, payload: LabelIn):
    """A new label; a name already used (capitals ignored) is a 409 `label_taken`."""
    return Status(201, _label_out(do_create_label(request.auth.pk, payload.name,
                                                  payload.colour), 0))


@router.get("/labels/{label_id}", response=answers({200: LabelOut}, 404))
def get_label(request: HttpRequest, label_id: int):
    """One label, with how many conversations carry it; 404 unless it is your
    organization's."""
    return _label_out(_label_or_404(request, label_id))


@router.patch("/labels/{label_id}", response=answers({200: LabelOut}, 404, 409))
def update_label(request: HttpRequest, label_id: int, payload: LabelPatch):
    """Rename or recolour; fields left out stay as they are."""
    label = do_update_label(_label_or_404(request, label_id), payload.name, payload.colour)
    return _label_out(label)


@router.delete("/labels/{label_id}", response=answers({204: None}, 404))
def delete_label(request: HttpRequest, label_id: int):
    """Delete the label; it leaves every conversation that carried it."""
    do_delete_label(_label_or_404(request, label_id))
    return Status(204, None)


def _reply_out(reply: QuickReply) -> dict:
    return {"id": reply.pk, "shortcut": reply.shortcut, "text": reply.text,
            "updated_at": reply.updated_at}


def _reply_or_404(request: HttpRequest, reply_id: int) -> QuickReply:
    reply = QuickReply.objects.for_org(request.auth).filter(pk=reply_id).first()
    if reply is None:
        raise HttpError(404, "No such quick reply.")
    return reply


@router.get("/quick-replies", response=answers({200: QuickReplyPage}, 400))
def list_quick_replies(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT):
    """The organization's quick replies, newest first, with their placeholders unfilled."""
    rows, next_before = _newest_first(QuickReply.objects.for_org(request.auth), before, limit)
    return {"items": [_reply_out(reply) for reply in rows], "next_before": next_before}


@router.post("/quick-replies", response=answers({201: QuickReplyOut}, 409))
def create_quick_reply(request: HttpRequest, payload: QuickReplyIn):
    """A new quick reply; a shortcut already used (capitals ignored) is a 409
    `shortcut_taken`."""
    return Status(201, _reply_out(do_create_quick_reply(request.auth.pk, payload.shortcut,
                                                        payload.text)))


@router.get("/quick-replies/{reply_id}", response=answers({200: QuickReplyOut}, 404))
def get_quick_reply(request: HttpRequest, reply_id: int):
    """One quick reply, its placeholders unfilled; 404 unless it is your organization's."""
    return _reply_out(_reply_or_404(request, reply_id))


@router.patch("/quick-replies/{reply_id}", response=answers({200: QuickReplyOut}, 404, 409))
def update_quick_reply(request: HttpRequest, reply_id: int, payload: QuickReplyPatch):
    """Change the shortcut, the text, or both; fields left out stay as they are."""
    return _reply_out(do_update_quick_reply(_reply_or_404(request, reply_id),
                                            payload.shortcut, payload.text))


@router.delete("/quick-replies/{reply_id}", response=answers({204: None}, 404))
def delete_quick_reply(request: HttpRequest, reply_id: int):
    """Delete the quick reply; the composer stops offering it at once."""
    do_delete_quick_reply(_reply_or_404(request, reply_id))
    return Status(204, None)
