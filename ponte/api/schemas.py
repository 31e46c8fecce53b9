from datetime import datetime

from ninja import Schema


class MessageOut(Schema):
    id: int
    conversation_id: int
    engine_message_id: str | None
    direction: str
    kind: str
    text: str
    caption: str
    media: dict | None
    quoted_engine_message_id: str | None
    status: str
    error: str
    revoked: bool
    timestamp: datetime


class ContactOut(Schema):
    id: int
    name: str
    e164: str | None


class ConversationOut(Schema):
    id: int
    contact: ContactOut
    last_message: MessageOut | None
    last_message_at: datetime | None
    unread_count: int


class ConversationPage(Schema):
    items: list[ConversationOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_before: int | None


class ErrorOut(Schema):
    error: str
    detail: str
