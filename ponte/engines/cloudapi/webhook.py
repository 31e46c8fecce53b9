"""Meta WhatsApp Cloud API adapter: webhook bodies into canonical events.

A Cloud API post is `{"object": "whatsapp_business_account", "entry": [...]}`;
each entry holds `changes`, and each change with `field == "messages"` carries
`value.messages[]` (what customers sent) and/or `value.statuses[]` (what became
of what we sent). Shapes and their origins are listed in
`fixtures/cloudapi/SOURCES.md`.

The body is untrusted JSON, so every lookup goes through the small accessors
below: a structure we cannot read raises `UnknownPayload`, never a bare
KeyError or TypeError, and optional content that is absent or odd just stays
empty.
"""

import hashlib
import hmac
import string
from datetime import UTC, datetime
from typing import Any

from ponte.engines.events import (
    Event,
    Ignored,
    InboundMessage,
    Media,
    MessageKind,
    MessageStatus,
    Revoked,
    SharedContact,
    StatusUpdate,
    UnknownPayload,
)
from ponte.engines.reading import (
    as_dict,
    as_list,
    as_text,
    is_number,
    read_location,
    require_dict,
    require_list,
    require_text,
)
from ponte.identity import Identity, canonicalize

OBJECT = "whatsapp_business_account"
SIGNATURE_PREFIX = "sha256="

_MEDIA_KINDS: dict[str, MessageKind] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
}
_STATUSES: dict[str, MessageStatus] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}


def verify_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """Check `X-Hub-Signature-256` (HMAC-SHA256 of the raw body keyed by the App Secret).

    It must run on the bytes as received: re-serialised JSON would not match.
    An empty secret refuses everything, so a misconfigured instance cannot be
    fed by anyone who signs with an empty key.
    """
    if not app_secret or not isinstance(header, str):
        return False
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        return False
    given = header[len(SIGNATURE_PREFIX):].lower()
    if len(given) != 64 or not all(c in string.hexdigits for c in given):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii"))


def parse(payload: dict[str, Any]) -> list[Event]:
    """Turn one webhook post into events, one per message or status, in order."""
    if not isinstance(payload, dict) or payload.get("object") != OBJECT:
        raise UnknownPayload("cloudapi: not a whatsapp_business_account webhook")
    events: list[Event] = []
    for entry in require_list(payload.get("entry"), "cloudapi: entry"):
        changes = require_dict(entry, "cloudapi: entry item").get("changes")
        for change in require_list(changes, "cloudapi: entry.changes"):
            events.extend(_parse_change(require_dict(change, "cloudapi: change")))
    return events


def _parse_change(change: dict[str, Any]) -> list[Event]:
    field = change.get("field")
    if not isinstance(field, str):
        raise UnknownPayload("cloudapi: change without a field")
    if field != "messages":
        # Account, template and quality notices: real, but nothing a chat shows.
        return [Ignored(reason=f"cloudapi field {field!r}")]
    value = require_dict(change.get("value"), "cloudapi: change.value")
    names = _push_names(value)
    events: list[Event] = [
        _parse_message(require_dict(message, "cloudapi: message"), names)
        for message in require_list(value.get("messages") or [], "cloudapi: value.messages")
    ]
    events.extend(
        _parse_status(require_dict(status, "cloudapi: status"))
        for status in require_list(value.get("statuses") or [], "cloudapi: value.statuses")
    )
    if not events:
        # Meta reports some delivery-wide problems as `value.errors` with no message.
        return [Ignored(reason=f"cloudapi messages change without messages: {_error_text(value)}")]
    return events


def _push_names(value: dict[str, Any]) -> dict[str, str]:
    """Profile names by wa_id; a malformed `contacts` list only costs us the names."""
    names: dict[str, str] = {}
    contacts = value.get("contacts")
    for contact in contacts if isinstance(contacts, list) else []:
        if not isinstance(contact, dict):
            continue
        wa_id, profile = contact.get("wa_id"), contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        if isinstance(wa_id, str) and isinstance(name, str) and name:
            names[wa_id] = name
    return names


def _parse_message(message: dict[str, Any], names: dict[str, str]) -> InboundMessage:
    wa_id = require_text(message.get("from"), "cloudapi: message.from")
    sender = _phone(wa_id)
    kind, text, caption, media = _content(message)
    if message.get("errors"):
        # Meta could not read what the customer sent (e.g. type `unsupported`).
        kind, media = "unknown", None
    context = message.get("context")
    quoted = context.get("id") if isinstance(context, dict) else None
    if kind == "reaction":
        reaction = message.get("reaction")
        quoted = reaction.get("message_id") if isinstance(reaction, dict) else None
    return InboundMessage(
        engine_message_id=require_text(message.get("id"), "cloudapi: message.id"),
        chat=sender,
        sender=sender,
        timestamp=_timestamp(message.get("timestamp")),
        kind=kind,
        text=text,
        caption=caption,
        media=media,
        location=_location(message.get("location")) if kind == "location" else None,
        shared_contacts=_shared_contacts(message.get("contacts")) if kind == "contact" else [],
        # `context.forwarded` alone marks a forward, not a reply: only `id` quotes.
        quoted_engine_message_id=quoted if isinstance(quoted, str) and quoted else None,
        push_name=names.get(wa_id),
    )


def _content(message: dict[str, Any]) -> tuple[MessageKind, str, str, Media | None]:
    """Kind, text, caption and media of one message, by its `type`."""
    kind = message.get("type")
    body = message.get(kind) if isinstance(kind, str) else None
    part = body if isinstance(body, dict) else {}
    if kind == "text":
        return "text", as_text(part.get("body")), "", None
    if isinstance(kind, str) and kind in _MEDIA_KINDS:
        media_kind = _MEDIA_KINDS[kind]
        if kind == "audio" and part.get("voice") is True:
            media_kind = "voice"
        return media_kind, "", as_text(part.get("caption")), _media(part)
    if kind == "location":
        return "location", _describe_location(part), "", None
    if kind == "contacts":
        return "contact", _describe_contacts(body), "", None
    if kind == "reaction":
        # An empty emoji is Meta's way of saying the reaction was taken back.
        return "reaction", as_text(part.get("emoji")), "", None
    if kind == "button":
        return "text", as_text(part.get("text")), "", None
    if kind == "interactive":
        return "text", _interactive_title(part), "", None
    return "unknown", "", "", None


def _media(part: dict[str, Any]) -> Media:
    # Newer API versions put a download `url` beside the id. The URL expires within
    # minutes and the id gets a fresh one, so the id is kept whenever there is one.
    reference = as_text(part.get("id")) or as_text(part.get("url"))
    return Media(
        mimetype=as_text(part.get("mime_type")) or None,
        filename=as_text(part.get("filename")) or None,
        engine_reference=reference or None,
    )


def _describe_location(part: dict[str, Any]) -> str:
    lat, lng = part.get("latitude"), part.get("longitude")
    words = []
    if is_number(lat) and is_number(lng):
        words.append(f"{lat},{lng}")
    label = as_text(part.get("name")) or as_text(part.get("address"))
    if label:
        words.append(label)
    return " ".join(words)


def _location(part: Any) -> Any:
    place = as_dict(part)
    return read_location(place.get("latitude"), place.get("longitude"), place.get("name"),
                         place.get("address"))


def _shared_contacts(cards: Any) -> list[SharedContact]:
    """Each card's formatted name and phones as written (`wa_id` when `phone` is empty)."""
    found = []
    for card in as_list(cards):
        if not isinstance(card, dict):
            continue
        phones: list[str] = []
        for entry in as_list(card.get("phones")):
            entry = as_dict(entry)
            wa_id = as_text(entry.get("wa_id"))
            phone = as_text(entry.get("phone")).strip() or (f"+{wa_id}" if wa_id else "")
            if phone and phone not in phones:
                phones.append(phone)
        name = as_text(as_dict(card.get("name")).get("formatted_name")).strip()
        found.append(SharedContact(name=name, phones=phones))
    return found


def _describe_contacts(cards: Any) -> str:
    names = []
    for card in cards if isinstance(cards, list) else []:
        name = card.get("name") if isinstance(card, dict) else None
        formatted = as_text(name.get("formatted_name")) if isinstance(name, dict) else ""
        if formatted:
            names.append(formatted)
    return ", ".join(names)


def _interactive_title(part: dict[str, Any]) -> str:
    """The label the customer tapped: button and list replies carry a `title`."""
    reply = part.get(part.get("type")) if isinstance(part.get("type"), str) else None
    if not isinstance(reply, dict):
        return ""
    # Flow submissions (`nfm_reply`) have no title, only a body.
    return as_text(reply.get("title")) or as_text(reply.get("body"))


def _parse_status(status: dict[str, Any]) -> Event:
    message_id = require_text(status.get("id"), "cloudapi: status.id")
    state = status.get("status")
    if state == "deleted":
        # Older API versions reported a message the customer deleted as a status.
        return Revoked(engine_message_id=message_id)
    if not isinstance(state, str) or state not in _STATUSES:
        return Ignored(reason=f"cloudapi status {state!r} for {message_id}")
    error = _error_text(status) if state == "failed" else None
    return StatusUpdate(engine_message_id=message_id, status=_STATUSES[state], error=error)


def _error_text(holder: dict[str, Any]) -> str:
    """The first of Meta's `errors` as one short line, e.g. `Rate limit hit (130429)`."""
    errors = holder.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return "no error detail"
    title, detail = as_text(first.get("title")), as_text(first.get("message"))
    text = f"{title}: {detail}" if title and detail and detail != title else title or detail
    code = first.get("code")
    if isinstance(code, int | str) and not isinstance(code, bool) and str(code):
        text = f"{text} ({code})" if text else str(code)
    return text or "no error detail"


def _phone(wa_id: str) -> Identity:
    """The sender's identity from Cloud API's bare international digits.

    Typed bare digits would be read as a Brazilian national number, and typed
    "+digits" would lose the form Meta routes to (a legacy Brazilian wa_id
    without the ninth digit). A `wa_id` is WhatsApp's own user id, so it goes
    in as the JID it is: parsed as international, `wa_user` kept as sent.
    """
    return canonicalize(wa_id.removeprefix("+") + "@s.whatsapp.net")


def _timestamp(raw: Any) -> datetime:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise UnknownPayload("cloudapi: message without a timestamp")
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise UnknownPayload(f"cloudapi: bad timestamp {raw!r}") from exc


