"""What the API answers and accepts; the field descriptions are the OpenAPI document's."""

from datetime import datetime

from ninja import Field, Schema

CURSOR = ("Opaque cursor: pass it as `?before=` to get the next (older) page; "
          "null on the last page.")


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
    status: str = Field(description=(
        "Outbound: `pending`, `sent`, `delivered`, `read`, `played` or `failed` (then `error` "
        "says why). Inbound: always `received`."))
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
    next_before: str | None = Field(description=CURSOR)


class MessagePage(Schema):
    items: list[MessageOut]
    next_before: str | None = Field(description=CURSOR)


class ErrorOut(Schema):
    error: str = Field(description="A stable code, e.g. `not_found`, `bad_cursor`.")
    detail: str = Field(description="What went wrong, for a person.")


class FieldErrorOut(Schema):
    field: str = Field(description="The parameter or body field, e.g. `limit` or `text`.")
    message: str


class ValidationErrorOut(Schema):
    error: str = Field(description="Always `invalid`.")
    detail: list[FieldErrorOut] = Field(description="One entry per field that failed.")


class SendIn(Schema):
    to: str | None = None
    conversation_id: int | None = None
    text: str


class InstanceOut(Schema):
    id: str
    name: str
    engine: str
    state: str
    state_label: str
    session_name: str
    webhook_url: str
    reconnect_attempts: int
    qr: str
    last_error: str
    last_error_at: datetime | None
    last_error_resolved_at: datetime | None  # set once the session is healthy again
    last_success_at: datetime | None


class DiagnosticOut(Schema):
    id: int
    created_at: datetime
    direction: str
    method: str
    path: str
    status_code: int | None
    latency_ms: float | None
    outcome: str
    error: str
    count: int  # identical outcomes in a row are one entry: created_at is the first, last_at
    last_at: datetime | None  # the latest


class DiagnosticPage(Schema):
    items: list[DiagnosticOut]
    next_before: str | None = Field(description=CURSOR)
