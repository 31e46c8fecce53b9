"""Endpoints: parse the request, call the app's queries, shape the answer."""

from django.http import HttpRequest
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ponte.accounts.models import Instance
from ponte.api import schemas
from ponte.api.auth import ApiKeyAuth
from ponte.conversations import queries
from ponte.conversations.outbound import (
    SendRejected,
    check_send_message,
    do_queue_message,
    do_retry_message,
)
from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import redact_path
from ponte.engines.base import EngineError
from ponte.engines.calls import is_configured
from ponte.sessions.resets import ResetRunning
from ponte.sessions.services import do_reset_reconnect_attempts
from ponte.sessions.supervisor import Supervisor

api = NinjaAPI(title="Ponte", version="1", auth=ApiKeyAuth(), urls_namespace="api")


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception):
    return api.create_response(request, {"error": "unauthorized",
                                         "detail": "Missing or invalid API key."}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError):
    return api.create_response(request, {"error": "invalid", "detail": str(exc.errors)[:500]},
                               status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    code = {404: "not_found", 400: "bad_request", 409: "conflict",
            502: "engine_error"}.get(exc.status_code, "error")
    return api.create_response(request, {"error": code, "detail": str(exc)},
                               status=exc.status_code)


@api.exception_handler(SendRejected)
def _rejected(request: HttpRequest, exc: SendRejected):
    return api.create_response(request, {"error": exc.code, "detail": exc.detail},
                               status=exc.status)


def _message_out(message) -> dict:
    return {
        "id": message.pk, "conversation_id": message.conversation_id,
        "engine_message_id": message.engine_message_id, "direction": message.direction,
        "kind": message.kind, "text": message.text, "caption": message.caption,
        "media": message.media, "quoted_engine_message_id": message.quoted_engine_message_id,
        "status": message.status, "error": message.error, "revoked": message.revoked,
        "timestamp": message.engine_timestamp,
    }


@api.get("/conversations", response=schemas.ConversationPage)
def list_conversations(request: HttpRequest, limit: int = Query(50, ge=1, le=200)):
    chats = queries.conversations_for(request.auth, limit)
    return {
        "items": [{
            "id": chat.pk,
            "contact": {"id": chat.contact.pk, "name": chat.contact.display_name,
                        "e164": chat.contact.e164},
            "last_message": _message_out(chat.last_message) if chat.last_message else None,
            "last_message_at": chat.last_message_at,
            "unread_count": chat.unread_count,
        } for chat in chats],
    }


@api.get("/conversations/{conversation_id}/messages",
         response={200: schemas.MessagePage, 404: schemas.ErrorOut})
def list_messages(request: HttpRequest, conversation_id: int, before: int | None = None,
                  limit: int = Query(50, ge=1, le=200)):
    chat = queries.conversation_or_none(request.auth, conversation_id)
    if chat is None:
        raise HttpError(404, "No such conversation.")
    messages = queries.messages_page(chat, before=before, limit=limit)
    has_more = len(messages) > limit
    messages = messages[:limit]
    return {"items": [_message_out(m) for m in messages],
            "next_before": messages[-1].pk if has_more else None}


@api.post("/messages", response={202: schemas.MessageOut, 400: schemas.ErrorOut,
                                 404: schemas.ErrorOut, 409: schemas.ErrorOut})
def send_message(request: HttpRequest, payload: schemas.SendIn):
    """Queue a text message; it is returned at once as `pending` and sent by the worker."""
    chat = check_send_message(request.auth, text=payload.text, to=payload.to,
                              conversation_id=payload.conversation_id)
    return Status(202, _message_out(do_queue_message(chat, payload.text)))


@api.post("/messages/{message_id}/retry", response={202: schemas.MessageOut,
                                                    404: schemas.ErrorOut, 409: schemas.ErrorOut})
def retry_message(request: HttpRequest, message_id: int):
    message = queries.message_or_none(request.auth, message_id)
    if message is None:
        raise HttpError(404, "No such message.")
    return Status(202, _message_out(do_retry_message(message)))


@api.get("/messages/{message_id}", response={200: schemas.MessageOut, 404: schemas.ErrorOut})
def get_message(request: HttpRequest, message_id: int):
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
    }


def _instance(request: HttpRequest) -> Instance:
    instance = Instance.objects.for_org(request.auth).order_by("created_at").first()
    if instance is None:
        raise HttpError(404, "This organization has no WhatsApp instance.")
    return instance


@api.get("/instance", response={200: schemas.InstanceOut, 404: schemas.ErrorOut})
def get_instance(request: HttpRequest):
    """State, last error and last success of the organization's WhatsApp instance."""
    return _instance_out(_instance(request))


@api.get("/instance/diagnostics", response={200: schemas.DiagnosticPage, 404: schemas.ErrorOut})
def list_diagnostics(request: HttpRequest, outcome: str | None = None, errors_only: bool = False,
                     before: int | None = None, limit: int = Query(50, ge=1, le=500)):
    """The diagnostic log, newest first: every engine call and webhook, secrets redacted."""
    entries = DiagnosticEntry.objects.for_org(request.auth).filter(instance=_instance(request))
    if outcome:
        entries = entries.filter(outcome=outcome)
    if errors_only:
        entries = entries.exclude(outcome__in=DiagnosticEntry.FINE_OUTCOMES)
    if before is not None:
        entries = entries.filter(id__lt=before)
    page = list(entries.order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return {"items": [{
        "id": e.pk, "created_at": e.created_at, "direction": e.direction, "method": e.method,
        "path": e.path, "status_code": e.status_code, "latency_ms": e.latency_ms,
        "outcome": e.outcome, "error": e.error,
    } for e in page], "next_before": page[-1].pk if has_more else None}


def _supervised(request: HttpRequest, action: str):
    instance = _instance(request)
    if not is_configured(instance):
        raise HttpError(409, "The instance has no engine configured.")
    supervisor = Supervisor()
    try:
        if action == "reset":
            supervisor.reset(instance)
        else:
            do_reset_reconnect_attempts(instance)
            supervisor.reconnect(instance, "reconnect requested")
    except ResetRunning:
        raise HttpError(409, "A reset of this instance is already running.") from None
    except EngineError as exc:
        raise HttpError(502, f"The engine refused: {exc.detail}") from exc
    finally:
        supervisor.close()
    instance.refresh_from_db()
    return _instance_out(instance)


@api.post("/instance/reconnect", response={200: schemas.InstanceOut, 404: schemas.ErrorOut,
                                          409: schemas.ErrorOut, 502: schemas.ErrorOut})
def reconnect_instance(request: HttpRequest):
    """Restart the engine session now, trying the secrets in turn (up to three attempts)."""
    return _supervised(request, "reconnect")


@api.post("/instance/reset", response={200: schemas.InstanceOut, 404: schemas.ErrorOut,
                                      409: schemas.ErrorOut, 502: schemas.ErrorOut})
def reset_instance(request: HttpRequest):
    """Reset total da instância: log out, forget the token, start again, show a fresh QR."""
    return _supervised(request, "reset")
