"""The desk for integrators: a conversation's status, assignee and labels changed in one
PATCH, and its timeline of changes (`ponte.desk`). An API key acts for the organization:
no user, its name in the timeline."""

from collections.abc import Callable

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import HttpError

from ponte.api import cursors, schemas
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.conversations import queries
from ponte.conversations.models import Conversation
from ponte.desk.assignment import check_assignee, do_assign_to
from ponte.desk.labels import check_label_names, do_set_labels
from ponte.desk.models import ConversationEvent
from ponte.desk.status import check_status, do_change_status

router = Router(tags=["desk"])


def actor_name(request: HttpRequest) -> str:
    """The API key's name as the timeline shows it, in the site's language."""
    key = getattr(request, "api_key", None)
    with translation.override(settings.LANGUAGE_CODE):
        if key is None:
            return _("API")
        return _("Chave de API “%(name)s”") % {"name": key.name}


def desk_fields(chat: Conversation) -> dict:
    """What the desk adds to a conversation as the API shows it."""
    assignee = chat.assignee
    return {"status": chat.status, "snoozed_until": chat.snoozed_until,
            "assignee": {"id": assignee.pk, "name": assignee.get_full_name() or assignee.email
                         or assignee.get_username()} if assignee else None,
            "labels": [{"name": label.name, "colour": label.colour}
                       for label in chat.labels.all()]}


def with_desk(chats: list[Conversation]) -> list[Conversation]:
    """Reads the assignees and labels of a page of chats at once."""
    prefetch_related_objects(chats, "assignee", "labels")
    return chats


def _chat_or_404(request: HttpRequest, conversation_id: int) -> Conversation:
    chat = queries.conversation_or_none(request.auth, conversation_id)
    if chat is None:
        raise HttpError(404, "No such conversation.")
    return chat


def install(api: NinjaAPI, conversation_out: Callable[[Conversation], dict]) -> None:
    """The PATCH shares its path with the GET of `ponte.api.views`, so it joins the API's own
    router (a second router's route of the same path would never be reached)."""

    @api.patch("/conversations/{conversation_id}",
               response={**answers({200: schemas.ConversationOut}, 404),
                         400: schemas.InvalidChangeOrFieldsOut,
                         422: schemas.InvalidChangeOrFieldsOut}, tags=["desk"])
    def update_conversation(request: HttpRequest, conversation_id: int,
                            payload: schemas.ConversationUpdateIn):
        """Change a conversation's `status` (with `snoozed_until` to snooze), its assignee
        (`assignee_id`, with an optional `note` for them; null for nobody) and its `labels`
        (the whole list, by name). Fields left out stay as they are; every change is checked
        before any is made, and each shows in the timeline (`/events`)."""
        chat = _chat_or_404(request, conversation_id)
        asked = payload.model_fields_set
        status = payload.status
        if status is None and "snoozed_until" in asked and payload.snoozed_until is not None:
            status = "snoozed"
        if status is not None:
            check_status(status, payload.snoozed_until)
        assignee = check_assignee(chat.org_id, payload.assignee_id) \
            if "assignee_id" in asked else None
        names = check_label_names(payload.labels) \
            if "labels" in asked and payload.labels is not None else None
        who = actor_name(request)
        if status is not None:
            do_change_status(chat, status, None, payload.snoozed_until, actor_name=who)
        if "assignee_id" in asked:
            do_assign_to(chat, assignee, None, payload.note, actor_name=who)
        if names is not None:
            do_set_labels(chat, names, None, actor_name=who)
        chat = with_desk([_chat_or_404(request, conversation_id)])[0]
        return conversation_out(chat)


def _event_out(event: ConversationEvent) -> dict:
    return {"id": event.pk, "kind": event.kind, "actor": event.actor_name,
            "actor_id": event.actor_id, "data": event.data, "created_at": event.created_at}


@router.get("/conversations/{conversation_id}/events",
            response=answers({200: schemas.ConversationEventPage}, 400, 404))
def list_events(request: HttpRequest, conversation_id: int, before: str | None = BEFORE,
                limit: int = LIMIT):
    """The conversation's timeline of changes (status, assignee, labels, away replies),
    newest first."""
    chat = _chat_or_404(request, conversation_id)
    events = ConversationEvent.objects.filter(conversation=chat)
    if before:
        events = events.filter(pk__lt=cursors.decode(before, (int,))[0])
    shown, next_before = page(list(events.order_by("-pk")[: limit + 1]), limit,
                              lambda e: (e.pk,))
    return {"items": [_event_out(e) for e in shown], "next_before": next_before}
