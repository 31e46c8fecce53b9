"""Endpoints: parse the request, call the app's queries, shape the answer."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Status
from ninja.errors import HttpError

from ponte.accounts.models import Instance
from ponte.api import (
    ai_settings,
    cursors,
    desk,
    erp,
    errors,
    leads,
    notes,
    privacy,
    recall,
    reports,
    schemas,
    sending,
)
from ponte.api.auth import ApiKeyAuth
from ponte.api.call_log import diagnostic_item
from ponte.api.desk_library import router as desk_library_router
from ponte.api.media import media_out
from ponte.api.openapi import PonteAPI, answers, docs
from ponte.api.paging import BEFORE, LIMIT
from ponte.api.paging import page as _page
from ponte.conversations import queries
from ponte.conversations.models import Conversation, Message
from ponte.conversations.outbound import (
    check_send_media,
    check_send_message,
    do_queue_media,
    do_queue_message,
    do_retry_message,
)
from ponte.conversations.search import search_page
from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import redact_path
from ponte.engines.base import EngineError
from ponte.engines.calls import is_configured
from ponte.erp.chat import ChatCustomerCard, chat_customers
from ponte.erp.parsing import money_text
from ponte.identity import canonicalize
from ponte.sessions.resets import ResetRunning
from ponte.sessions.services import do_reset_reconnect_attempts
from ponte.sessions.supervisor import run_once
from ponte.text import replace_unstorable

api = PonteAPI(title="Ponte", version="1", auth=ApiKeyAuth(), urls_namespace="api", docs=docs(),
               description="WhatsApp conversations of one organization; every list is "
                           "newest first and paged by `next_before`.")
errors.install(api)
api.add_router("", privacy.router)
api.add_router("", leads.router)
api.add_router("", ai_settings.router)
api.add_router("", erp.router)
api.add_router("", recall.router)
api.add_router("", notes.router)
api.add_router("", desk_library_router)
api.add_router("", reports.router)
api.add_router("", desk.router)

def _message_out(message: Message) -> dict:
    # An inbound row keeps the model's default status; to an integrator it was received.
    status = "received" if message.direction == Message.Direction.INBOUND else message.status
    return {
        "id": message.pk, "conversation_id": message.conversation_id,
        "engine_message_id": message.engine_message_id, "direction": message.direction,
        "kind": message.kind, "text": message.text, "caption": message.caption,
        "media": media_out(message), "quoted_engine_message_id": message.quoted_engine_message_id,
        "status": status, "error": message.error, "failure": message.failure,
        "revoked": message.revoked, "timestamp": message.engine_timestamp,
    }


def _conversation_out(chat: Conversation) -> dict:
    return {
        "id": chat.pk,
        "contact": {"id": chat.contact.pk, "name": chat.contact.display_name,
                    "e164": chat.contact.e164},
        "last_message": _message_out(chat.last_message) if chat.last_message else None,
        "last_message_at": chat.last_message_at,
        "unread_count": chat.unread_count,
        **desk.desk_fields(chat),
    }


desk.install(api, _conversation_out)
def _statuses(raw: str | None) -> list[str]:
    wanted = [part.strip() for part in (raw or "").split(",") if part.strip()]
    unknown = [part for part in wanted if part not in Conversation.Status.values]
    if unknown:
        raise errors.Refused("invalid_status", (
            f"`{unknown[0][:40]}` is not a conversation status: use "
            f"{', '.join(Conversation.Status.values)}."))
    return wanted


def _assignee(raw: str | None) -> int | str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw == queries.NOBODY or (raw.isdigit() and len(raw) <= 18):
        return raw if raw == queries.NOBODY else int(raw)
    raise errors.Refused("invalid_assignee",
                         f"`{raw[:40]}` is not a user id: use a member's user id or `none`.")


def _phone(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None  # a blank search field filters nothing
    identity = canonicalize(raw)
    if identity.kind != "user" or identity.e164 is None:
        raise errors.Refused("invalid_phone", f"`{raw[:40]}` is not a phone number we can read.")
    return identity.e164


@api.get("/conversations", response=answers({200: schemas.ConversationPage}, 400))
def list_conversations(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT,
                       phone: str | None = Query(None, description=(
                           "Only the contact with this number, in any form: "
                           "`(31) 98765-4321`, `+55 31 …`, a WhatsApp id.")),
                       unread: bool = Query(False, description="Only chats with unread messages."),
                       status: str | None = Query(None, description=(
                           "Only chats in these states, comma separated: `open`, `pending` "
                           "(waiting for the customer), `snoozed`, `resolved`. "
                           "Example: `open,pending`.")),
                       assignee: str | None = Query(None, description=(
                           "Only chats assigned to this member (their user `id`), or `none` "
                           "for chats nobody has taken.")),
                       label: str | None = Query(None, description=(
                           "Only chats with the label of this name (capitals ignored).")),
                       q: str | None = Query(None, max_length=100, description=(
                           "Search as in the inbox: a contact's name or phone, or words of one "
                           "of the chat's messages (accents and capitals ignored; each word "
                           "may be the start of a word)."))):
    """Conversations with their contact, last message and unread count, latest activity first."""
    key = cursors.decode(before, (datetime, int), nullable=frozenset({0})) if before else None
    chats = queries.conversations_page(request.auth, before=key, limit=limit,
                                       e164=_phone(phone), unread=unread,
                                       statuses=_statuses(status), assignee=_assignee(assignee),
                                       label=(label or "").strip() or None,
                                       search=replace_unstorable(q or ""))
    page, next_before = _page(chats, limit, lambda chat: (chat.last_message_at, chat.pk))
    return {"items": [_conversation_out(chat) for chat in desk.with_desk(page)],
            "next_before": next_before}


@api.get("/conversations/{conversation_id}",
         response=answers({200: schemas.ConversationDetailOut}, 404))
def get_conversation(request: HttpRequest, conversation_id: int):
    """One conversation, as in the list, with the ERP customers holding its contact's phone;
    404 unless it belongs to your organization."""
    chat = queries.conversation_or_none(request.auth, conversation_id)
    if chat is None:
        raise HttpError(404, "No such conversation.")
    cards = chat_customers(request.auth.pk, chat.pk, queries.contact_phones(chat.contact))
    return {**_conversation_out(desk.with_desk([chat])[0]),
            "customers": [_chat_customer_out(c) for c in cards]}


def _chat_customer_out(card: ChatCustomerCard) -> dict:
    customer, summary = card.customer, card.summary
    return {"external_id": customer.external_id, "name": customer.name,
            "cashback_balance": money_text(customer.cashback_balance),
            "cashback_expires_on": customer.cashback_expires_on,
            "total_spent": money_text(summary.total_spent), "purchases": summary.purchases,
            "last_purchase_at": summary.last_purchase_at, "chosen": card.chosen}


def _message_key(chat: Conversation, before: str) -> queries.MessageKey | None:
    legacy = cursors.legacy_id(before)
    if legacy is None:
        return cursors.decode(before, (datetime, int))
    key = queries.message_key(chat, legacy)
    if key is None:
        raise cursors.BadCursor
    return key


@api.get("/conversations/{conversation_id}/messages",
         response=answers({200: schemas.MessagePage}, 400, 404))
def list_messages(request: HttpRequest, conversation_id: int, before: str | None = BEFORE,
                  limit: int = LIMIT):
    """The conversation's messages, newest first."""
    chat = queries.conversation_or_none(request.auth, conversation_id)
    if chat is None:
        raise HttpError(404, "No such conversation.")
    key = _message_key(chat, before) if before else None
    messages = queries.messages_before(chat, key, limit)
    page, next_before = _page(messages, limit, lambda m: (m.engine_timestamp, m.pk))
    return {"items": [_message_out(m) for m in page], "next_before": next_before}


@api.post("/messages", response={**answers({202: schemas.MessageOut}, 400, 404, 409, 413),
                                   422: schemas.InvalidFileOrFieldsOut},
          openapi_extra=sending.BODY)
def send_message(request: HttpRequest):
    """Queue a message to `to` (a phone) or into `conversation_id`: a text (JSON `text`), or
    a file, uploaded as multipart (`file`) or as JSON (`media.base64`), with a `caption`.
    It is returned at once as `pending` and sent by the worker, retried like any message.
    A file over its kind's size limit gets 413; one that fails the checks, 422."""
    send = sending.read_send(request)
    if isinstance(send, schemas.SendIn):
        chat = check_send_message(request.auth, text=send.text, to=send.to,
                                  conversation_id=send.conversation_id)
        return Status(202, _message_out(do_queue_message(chat, send.text)))
    chat, media = check_send_media(request.auth, send.attachment, caption=send.caption,
                                   to=send.to, conversation_id=send.conversation_id)
    return Status(202, _message_out(do_queue_media(chat, media, caption=send.caption)))


@api.post("/messages/{message_id}/retry", response=answers({202: schemas.MessageOut}, 404, 409))
def retry_message(request: HttpRequest, message_id: int):
    """Send a `failed` message again (only one that never left)."""
    message = queries.message_or_none(request.auth, message_id)
    if message is None:
        raise HttpError(404, "No such message.")
    return Status(202, _message_out(do_retry_message(message)))


@api.get("/messages", response=answers({200: schemas.MessagePage}, 400))
def search_messages(request: HttpRequest, q: str = Query(..., max_length=200, description=(
                        "Words to find in the text, caption or voice-note transcript; every "
                        "word must be there, accents and capitals ignored, each word also "
                        "found as the start of a longer one (`entreg` finds `entrega`).")),
                    before: str | None = BEFORE, limit: int = LIMIT):
    """Messages of every conversation that contain the words of `q`, newest first."""
    after = cursors.decode(before, (int,))[0] if before else None
    found = search_page(request.auth.pk, replace_unstorable(q), before=after, limit=limit)
    shown, next_before = _page(found, limit, lambda m: (m.pk,))
    return {"items": [_message_out(m) for m in shown], "next_before": next_before}


@api.get("/messages/{message_id}", response=answers({200: schemas.MessageOut}, 404))
def get_message(request: HttpRequest, message_id: int):
    """One message, e.g. to follow a sent one's status."""
    message = queries.message_or_none(request.auth, message_id)
    if message is None:
        raise HttpError(404, "No such message.")
    return _message_out(message)


def _instance_out(instance: Instance) -> dict:
    return {
        "id": str(instance.pk), "name": instance.name, "engine": instance.engine,
        "state": instance.state, "state_label": instance.get_state_display(),
        "session_name": instance.session_name,
        # The token in the URL is the webhook's secret: `ponte init` shows it once.
        "webhook_url": redact_path(instance.webhook_path),
        "reconnect_attempts": instance.reconnect_attempts, "qr": instance.qr,
        "last_error": instance.last_error,
        "last_error_at": instance.last_error_at, "last_success_at": instance.last_success_at,
        "last_error_resolved_at": instance.last_error_resolved_at,
    }


def _instance(request: HttpRequest) -> Instance:
    instance = Instance.objects.for_org(request.auth).order_by("created_at").first()
    if instance is None:
        raise HttpError(404, "This organization has no WhatsApp instance.")
    return instance


@api.get("/instance", response=answers({200: schemas.InstanceOut}, 404))
def get_instance(request: HttpRequest):
    """State, last error and last success of the organization's WhatsApp instance."""
    return _instance_out(_instance(request))


@api.get("/instance/diagnostics", response=answers({200: schemas.DiagnosticPage}, 400, 404))
def list_diagnostics(request: HttpRequest,
                     outcome: str | None = Query(None, description="Only this outcome."),
                     errors_only: bool = Query(False, description="Only calls that went wrong."),
                     before: str | None = BEFORE,
                     limit: int = Query(50, ge=1, le=500, description="Items per page.")):
    """The diagnostic log, newest first: every engine call and webhook, secrets redacted."""
    entries = DiagnosticEntry.objects.for_org(request.auth).filter(instance=_instance(request))
    if outcome:
        entries = entries.filter(outcome=replace_unstorable(outcome))
    if errors_only:
        entries = entries.exclude(outcome__in=DiagnosticEntry.FINE_OUTCOMES)
    if before:
        legacy = cursors.legacy_id(before)
        entries = entries.filter(
            id__lt=legacy if legacy is not None else cursors.decode(before, (int,))[0])
    page, next_before = _page(list(entries.order_by("-id")[: limit + 1]), limit,
                              lambda e: (e.pk,))
    return {"items": [diagnostic_item(e) for e in page], "next_before": next_before}



def _supervised(request: HttpRequest, action: str):
    instance = _instance(request)
    if not is_configured(instance):
        raise HttpError(409, "The instance has no engine configured.")
    try:
        if action == "reset":
            run_once(instance, "reset")
        else:
            do_reset_reconnect_attempts(instance)
            run_once(instance, "reconnect", "reconnect requested")
    except ResetRunning:
        raise HttpError(409, "A reset of this instance is already running.") from None
    except EngineError as exc:
        raise HttpError(502, f"The engine refused: {exc.detail}") from exc
    instance.refresh_from_db()
    return _instance_out(instance)


@api.post("/instance/reconnect", response=answers({200: schemas.InstanceOut}, 404, 409, 502))
def reconnect_instance(request: HttpRequest):
    """Restart the engine session now, trying the secrets in turn (up to three attempts)."""
    return _supervised(request, "reconnect")


@api.post("/instance/reset", response=answers({200: schemas.InstanceOut}, 404, 409, 502))
def reset_instance(request: HttpRequest):
    """Reset total da instância: log out, forget the token, start again, show a fresh QR."""
    return _supervised(request, "reset")
