"""Endpoints: parse the request, call the app's queries, shape the answer."""

from django.http import HttpRequest
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ponte.api import schemas
from ponte.api.auth import ApiKeyAuth
from ponte.conversations import queries

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
    code = {404: "not_found", 400: "bad_request"}.get(exc.status_code, "error")
    return api.create_response(request, {"error": code, "detail": str(exc)},
                               status=exc.status_code)


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
