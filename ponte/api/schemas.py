"""What the API answers and accepts; the field descriptions are the OpenAPI document's."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from ponte.text import is_storable

CURSOR = ("Opaque cursor: pass it as `?before=` to get the next (older) page; "
          "null on the last page.")


class LocationOut(Schema):
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


class SharedContactOut(Schema):
    name: str = ""
    phones: list[str] = Field(description=(
        "Each phone on the card: E.164 (`+5531987654321`) when it reads as a number, "
        "else as written."))


class MediaOut(Schema):
    """A message's file, place or contact cards (`docs/media.md`)."""

    url: str | None = Field(description=(
        "The file's bytes, once stored (`state` is `stored`): a path on this server, read with "
        "the same `Authorization: Bearer` key (or a member's session); byte ranges supported. "
        "Null until then."))
    thumbnail_url: str | None = Field(description=(
        "A JPEG of at most 320 px for photos and stickers; null for other kinds."))
    mimetype: str | None = Field(description=(
        "The type the stored bytes really are (sniffed), else the one the engine declared."))
    filename: str | None = Field(description="The name the sender gave the file, if any.")
    size: int | None = Field(description="Bytes: of the stored file, else as declared.")
    duration: float | None = Field(description="Seconds of an audio or video.")
    transcript: str | None = Field(description=(
        "A voice note's or audio's words, once transcribed; null before that."))
    state: Literal["pending", "stored", "refused", "gone", "failed"] | None = Field(
        description=(
            "`pending` while the file is fetched from the engine, `stored`, `refused` when the "
            "checks kept it out (too large, not what it claimed to be), `gone` when the engine "
            "no longer had it, `failed` after the retries; null for a place or contact cards."))
    problem: str | None = Field(description=(
        "Why there is no file, as a stable code: `too_large`, `type_mismatch`, `empty`, "
        "`unreadable`, `media_gone`, `engine` or `storage`."))
    location: LocationOut | None = Field(description="A place shared on the map.")
    contacts: list[SharedContactOut] | None = Field(description="Contact cards shared.")


class MessageOut(Schema):
    id: int
    conversation_id: int
    engine_message_id: str | None
    direction: str
    kind: str
    text: str
    caption: str
    media: MediaOut | None = Field(description=(
        "The file, place or contact cards of a message that has one; null for text."))
    quoted_engine_message_id: str | None
    status: str = Field(description=(
        "Outbound: `pending`, `sent`, `delivered`, `read`, `played` or `failed` (then `error` "
        "says why). Inbound: always `received`."))
    error: str
    failure: str = Field(description=(
        "Why a send failed, as a stable code (empty otherwise): `disconnected`, `no_engine`, "
        "`not_on_whatsapp`, `engine_auth`, `engine_down`, `refused`, `unknown_outcome` (it may "
        "have been delivered: check before retrying) or `expired`."))
    revoked: bool
    timestamp: datetime


class ContactOut(Schema):
    id: int
    name: str
    e164: str | None


class AssigneeOut(Schema):
    id: int = Field(description="The member's user id (what `assignee_id` takes).")
    name: str


class LabelOut(Schema):
    name: str
    colour: str = Field(description="`#rrggbb`.")


CONVERSATION_STATUS = ("`open`, `pending` (waiting for the customer), `snoozed` (until "
                       "`snoozed_until`, then open again) or `resolved`; any but open opens "
                       "again when the customer writes.")


class ConversationOut(Schema):
    id: int
    contact: ContactOut
    last_message: MessageOut | None
    last_message_at: datetime | None
    unread_count: int
    status: Literal["open", "pending", "snoozed", "resolved"] = Field(
        description=CONVERSATION_STATUS)
    snoozed_until: datetime | None
    assignee: AssigneeOut | None = Field(description="Who answers it; null: nobody yet.")
    labels: list[LabelOut]


class ConversationUpdateIn(Schema):
    status: Literal["open", "pending", "snoozed", "resolved"] | None = Field(
        None, description=CONVERSATION_STATUS)
    snoozed_until: datetime | None = Field(None, description=(
        "With `status` `snoozed` (or alone, which snoozes): when it opens again, in the "
        "future, with its time zone."))
    assignee_id: int | None = Field(None, description=(
        "A member's user id; null gives the conversation back to nobody."))
    note: str = Field("", max_length=500, description="For the new assignee, in the timeline.")
    labels: list[str] | None = Field(None, max_length=50, description=(
        "Exactly the conversation's labels, by name; a new name makes a new label."))


class ConversationEventOut(Schema):
    id: int
    kind: Literal["status", "assigned", "unassigned", "labelled", "away_reply"] | str
    actor: str = Field(description="Who did it (a member, an API key's name); empty: Ponte.")
    actor_id: int | None
    data: dict = Field(description=(
        "`status`: {from, to, until?, reason?}; `assigned`: {from_id, to_id, to_name, note?, "
        "auto?}; `unassigned`: {from_id, from_name}; `labelled`: {added, removed}."))
    created_at: datetime


class ConversationEventPage(Schema):
    items: list[ConversationEventOut]
    next_before: str | None = Field(description=CURSOR)


class ChatCustomerOut(Schema):
    external_id: str = Field(description="The customer's id in your ERP.")
    name: str
    cashback_balance: str = Field(description='Money as a decimal string: "45.90".')
    cashback_expires_on: date | None
    total_spent: str = Field(description='The sum of the customer\'s sales: "1234.50".')
    purchases: int = Field(description="How many sales the ERP sent for this customer.")
    last_purchase_at: datetime | None
    chosen: bool = Field(description=(
        "True for the customer an attendant said this chat is about, when several ERP "
        "customers share its phone; false for all until one is picked."))


class ConversationDetailOut(ConversationOut):
    customers: list[ChatCustomerOut] = Field(description=(
        "ERP customers holding the contact's phone, in any written form (8 or 9 digits, with "
        "or without +55): none, one, or several sharing it (the chosen one first)."))


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


RECIPIENT_TO = "The phone to write to, in any form (or give `conversation_id`)."
RECIPIENT_CHAT = "The conversation to write in (or give `to`)."
CAPTION = ("Shown under a photo, video or document (up to 1024 characters); audio and voice "
           "notes take none.")
VOICE = ("Send Opus audio (Ogg, or WebM as browsers record it, rewrapped to Ogg without "
         "re-encoding) as a WhatsApp voice note instead of an audio file.")


class SendIn(Schema):
    """A text message."""

    to: str | None = Field(None, description=RECIPIENT_TO)
    conversation_id: int | None = Field(None, description=RECIPIENT_CHAT)
    text: str


class MediaIn(Schema):
    base64: str = Field(description=(
        "The file's bytes in base64; a `data:<type>;base64,` prefix is allowed."))
    filename: str = Field("", description="The name the customer sees on a document.")
    mimetype: str = Field("", description=(
        "What the file is; the bytes are checked against it and a file that is not what it "
        "says is refused."))


class SendMediaIn(Schema):
    """A file, as JSON: its bytes in base64."""

    to: str | None = Field(None, description=RECIPIENT_TO)
    conversation_id: int | None = Field(None, description=RECIPIENT_CHAT)
    media: MediaIn
    caption: str = Field("", description=CAPTION)
    voice: bool = Field(False, description=VOICE)


class SendFileForm(Schema):
    """A file, as a multipart upload (`curl -F file=@foto.jpg`)."""

    file: bytes = Field(description=(
        "The file. Its kind comes from its bytes: JPEG and PNG go as photos, MP4 and 3GPP "
        "as videos, MP3, AAC, AMR, M4A and Ogg/Opus as audio; anything else as a document."))
    to: str | None = Field(None, description=RECIPIENT_TO)
    conversation_id: int | None = Field(None, description=RECIPIENT_CHAT)
    caption: str = Field("", description=CAPTION)
    voice: bool = Field(False, description=VOICE)


class InvalidFileOrFieldsOut(Schema):
    error: str = Field(description=(
        "A file refused: `empty`, `type_mismatch` (the bytes are not what their kind "
        "needs), `unreadable`, `voice_not_opus`, `caption_not_allowed`, `caption_too_long`, "
        "`invalid_caption` or `invalid_base64` (then `detail` says why, for a person); or "
        "`invalid` (then `detail` lists each field that failed)."))
    detail: str | list[FieldErrorOut]


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


PHONE = ("The number in any form: `+55 31 98765-4321`, `(31) 98765-4321`, "
         "`5531987654321@c.us`, with or without the ninth digit.")


class InvalidPhoneOrFieldsOut(Schema):
    error: str = Field(description=(
        "`invalid_phone` (then `detail` says, for a person, why the number cannot be read) "
        "or `invalid` (then `detail` lists each field that failed)."))
    detail: str | list[FieldErrorOut]


class HideIn(Schema):
    phone: str = Field(max_length=100, description=PHONE)
    note: str = Field("", max_length=200, description="Why it is hidden, for your team.")

    @field_validator("note")
    @classmethod
    def storable(cls, note: str) -> str:
        if not is_storable(note):
            raise ValueError("The note holds a NUL or a lone UTF-16 surrogate, "
                             "which cannot be stored.")
        return note


class HiddenNumberOut(Schema):
    id: int
    e164: str = Field(description="The number as Ponte stores it, e.g. `+5531987654321`.")
    note: str
    created_at: datetime
    created_by: str = Field(description=(
        "Who hid it, as it read then: a member's e-mail, or `Chave de API “<name>”`."))


class HiddenNumberPage(Schema):
    items: list[HiddenNumberOut]
    next_before: str | None = Field(description=CURSOR)


class PrivacyRecordOut(Schema):
    id: int
    action: str = Field(description="`hide`, `unhide`, `export`, `erase` or `sweep`.")
    action_label: str
    e164: str = Field(description="The number acted on; empty for a sweep.")
    actor: str = Field(description="Who acted: a member's e-mail, or `Chave de API “<name>”`; "
                                   "empty for the automatic sweep.")
    counts: dict[str, int] = Field(description=(
        "Rows by kind (`messages`, `contacts`, …): how many were erased, or exported. "
        "Never their content."))
    created_at: datetime


class PrivacyRecordPage(Schema):
    items: list[PrivacyRecordOut]
    next_before: str | None = Field(description=CURSOR)


class PersonExportOut(Schema):
    """Every kind Ponte holds about a person, one list of rows each; kinds added later
    appear as further keys."""

    model_config = ConfigDict(extra="allow")

    phone: str
    hidden: bool = Field(description="Whether the number is hidden from the CRM.")
    messages: list[dict] = []
    conversations: list[dict] = []
    contacts: list[dict] = []
    handles: list[dict] = Field([], description="Every WhatsApp id the person was known by.")
    leads: list[dict] = []
    lead_scores: list[dict] = Field([], description="Each scoring of the lead, kept as history.")
    reply_suggestions: list[dict] = []
    erp_customers: list[dict] = Field([], description=(
        "The ERP's customers holding this phone (kept when the number is hidden)."))
    erp_customer_phones: list[dict] = Field([], description="Those customers' phones.")
    erp_sales: list[dict] = Field([], description="Those customers' sales.")


class ErasedOut(Schema):
    phone: str
    erased: dict[str, int] = Field(description="Rows erased by kind; `{}` when Ponte held none.")


LEAD_STATUS = "`new` (Novo), `in_progress` (Em atendimento), `won` (Ganho) or `lost` (Perdido)."


class SentimentOut(Schema):
    label: str = Field(description="`negative`, `neutral` or `positive`.")
    value: float = Field(description="-1 (angry) .. 1 (delighted).")


class LeadOut(Schema):
    id: int
    contact: ContactOut
    conversation_id: int | None = Field(description="The contact's latest chat.")
    status: str = Field(description=LEAD_STATUS)
    status_label: str
    owner: str | None = Field(description="The e-mail of the member the lead is with.")
    score: int | None = Field(description="0..100, how hot the lead is; null until scored "
                                          "(a few seconds after the customer's message).")
    band: str = Field(description="`hot` (70+), `warm` (40–69), `cold` (<40); empty unscored.")
    sentiment: SentimentOut | None
    intent: float | None = Field(description="0..1, how likely the customer means to buy.")
    reasons: list[str] = Field(description="Short pt-BR phrases: why this score.")
    trend: int | None = Field(description="This score minus the one before it; null if none.")
    scored_at: datetime | None


class LeadScoreOut(Schema):
    score: int
    sentiment: SentimentOut | None
    intent: float | None
    reasons: list[str]
    scored_at: datetime


class LeadDetailOut(LeadOut):
    history: list[LeadScoreOut] = Field(description="Each scoring, newest first (up to 100).")


class LeadPage(Schema):
    items: list[LeadOut]
    next_before: str | None = Field(description=CURSOR)


class LeadUpdateIn(Schema):
    status: Literal["new", "in_progress", "won", "lost"] | None = Field(
        None, description=LEAD_STATUS)
    owner_email: str | None = Field(None, max_length=254, description=(
        "A member of your organization; null or empty gives the lead back to nobody."))


class InvalidOwnerOrFieldsOut(Schema):
    error: str = Field(description=(
        "`invalid_owner` (then `detail` says, for a person, that the e-mail is not a "
        "member's) or `invalid` (then `detail` lists each field that failed)."))
    detail: str | list[FieldErrorOut]


AI_PROVIDER = ("`offline` (built in, sends nothing anywhere), `gemini`, or `openai` (OpenAI "
               "or a compatible server: Ollama, vLLM, LM Studio).")


TRANSCRIPTION_PROVIDER = (
    "Who turns voice notes and audio into text: `none` (the default: no audio leaves Ponte), "
    "`openai` (OpenAI or any server with its `/audio/transcriptions`: Groq, a faster-whisper "
    "server), `gemini` (audio input to a Gemini model) or `local` (faster-whisper on the "
    "server itself, with the model folder its operator set in `PONTE_WHISPER_MODEL_DIR`).")


class AITestOut(Schema):
    queued: bool = Field(description="A test is waiting for the worker (within seconds).")
    tested_at: datetime | None
    outcome: str = Field(description="`ok`, a failure (`timeout`, `auth`, `rate_limited`, "
                         "`http_error`, `refused`, `malformed`, `error`), `budget_exhausted` "
                         "or `key_unreadable`; empty before any test.")
    detail: str = Field(description="What went wrong, for a person (pt-BR).")
    latency_ms: float | None


class AISettingsOut(Schema):
    provider: str = Field(description=AI_PROVIDER)
    model: str = Field(description="Empty: the provider's default (`default_model`).")
    default_model: str | None = Field(description="The model used when `model` is empty; "
                                      "null for `offline`.")
    base_url: str = Field(description="The provider's server; empty: its own (OpenAI's, "
                          "Google's). Ollama, vLLM, LM Studio: their `/v1` address.")
    api_key_set: bool = Field(description="Whether a key is saved. The key is never returned.")
    api_key_hint: str = Field(description="The last four characters of a saved key of 16 "
                              "characters or more; empty otherwise.")
    style_note: str = Field(description="The shop's tone for reply suggestions.")
    daily_budget: int = Field(description="Remote calls allowed a day; 0 turns them off.")
    calls_today: int = Field(description="Remote calls taken today (the day in the server's "
                             "time zone, America/Sao_Paulo by default).")
    last_test: AITestOut = Field(description=(
        "The connection test (`POST /settings/ai/test`) of the current settings."))
    transcription_provider: str = Field(description=TRANSCRIPTION_PROVIDER)
    transcription_model: str = Field(description="Empty: `transcription_default_model`.")
    transcription_default_model: str | None = Field(description=(
        "The model used when `transcription_model` is empty (`whisper-1`, "
        "`gemini-2.5-flash`); null for `none` and `local`."))
    transcription_base_url: str = Field(description=(
        "The transcriber's server; empty: its own (OpenAI's, Google's). Groq: "
        "`https://api.groq.com/openai/v1`; a faster-whisper server: its `/v1` address."))
    transcription_api_key_set: bool = Field(description=(
        "Whether a key of its own is saved for transcription. Never returned."))
    transcription_api_key_hint: str = Field(description=(
        "The last four characters of that key, if it has 16 or more; empty otherwise."))
    transcription_uses_scoring_key: bool = Field(description=(
        "True when transcription has no key of its own and uses the scoring provider's: "
        "only ever for the same provider at the same address."))
    transcription_language: str = Field(description=(
        "ISO 639-1 code of the language spoken (`pt` by default); empty: the provider "
        "detects it."))


class AISettingsIn(Schema):
    provider: Literal["offline", "gemini", "openai"] | None = Field(None,
                                                                    description=AI_PROVIDER)
    model: str | None = Field(None, max_length=100, description="Empty for the default.")
    base_url: str | None = Field(None, max_length=500, description=(
        "`http://` or `https://` address of the provider's server (an OpenAI-compatible "
        "one's ends in `/v1`); empty for the provider's own."))
    api_key: str | None = Field(None, max_length=500, description=(
        "Write-only: a new key, stored encrypted. Leave out (or empty) to keep the saved one."))
    remove_key: bool = Field(False, description="Forget the saved key.")
    style_note: str | None = Field(None, max_length=500)
    daily_budget: int | None = Field(None, ge=0, le=100_000)
    transcription_provider: Literal["none", "openai", "gemini", "local"] | None = Field(
        None, description=TRANSCRIPTION_PROVIDER)
    transcription_model: str | None = Field(None, max_length=100,
                                            description="Empty for the default.")
    transcription_base_url: str | None = Field(None, max_length=500, description=(
        "`http://` or `https://` address of the transcriber's server (an OpenAI-compatible "
        "one's ends in `/v1`); empty for the provider's own."))
    transcription_api_key: str | None = Field(None, max_length=500, description=(
        "Write-only: a key for transcription, stored encrypted. Leave out (or empty) to keep "
        "the saved one; with none saved, the scoring key is used for the same provider at "
        "the same address."))
    remove_transcription_key: bool = Field(False, description="Forget the transcription key.")
    transcription_language: str | None = Field(None, max_length=8, description=(
        "ISO 639-1 code (`pt`, `en`, `es`); empty: the provider detects it."))


class InvalidAISettingOrFieldsOut(Schema):
    error: str = Field(description=(
        "`invalid_base_url`, `invalid_model`, `invalid_api_key`, `invalid_style_note`, "
        "`invalid_daily_budget`, `invalid_transcription_provider`, "
        "`invalid_transcription_model`, `invalid_transcription_base_url`, "
        "`invalid_transcription_api_key`, `invalid_transcription_language` (then `detail` "
        "says why, for a person) or `invalid` "
        "(then `detail` lists each field that failed)."))
    detail: str | list[FieldErrorOut]


class InvalidChangeOrFieldsOut(Schema):
    error: str = Field(description=(
        "`invalid_status`, `snooze_in_the_past`, `snooze_needs_time`, `snooze_too_far`, "
        "`invalid_assignee`, `label_blank`, `label_too_long` (then `detail` says why, for a "
        "person) or `invalid` (then `detail` lists each field that failed)."))
    detail: str | list[FieldErrorOut]
