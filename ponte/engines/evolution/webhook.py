"""Evolution API v2 webhook bodies parsed into Ponte events.

Evolution wraps Baileys' events in one envelope, `{event, instance, data, date_time,
sender, ...}`, and changed the inner shapes often between 2.2 and 2.4 (see
`fixtures/evolution/SOURCES.md`). Every branch below that looks odd exists for
one of those versions; the fixture named in its comment shows the shape.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ponte.engines.events import (
    Event,
    IdentityLink,
    Ignored,
    InboundMessage,
    Location,
    Media,
    MessageKind,
    MessageStatus,
    Revoked,
    SessionUpdate,
    SharedContact,
    StatusUpdate,
    UnknownPayload,
)
from ponte.engines.reading import (
    as_dict,
    as_list,
    as_text,
    is_number,
    nonempty_text,
    qr_image,
    read_duration,
    read_location,
    read_vcard,
    require_dict,
)
from ponte.identity import Identity, canonicalize

Json = dict[str, Any]

# Baileys' WAMessageStatus, which Evolution renders by name (`renderStatus.ts`) but
# some integrations forward as the bare number. None means "understood, nothing to do".
_STATUS_BY_NAME: dict[str, MessageStatus | None] = {
    "ERROR": "failed",
    "PENDING": None,
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "played",
}
_STATUS_NAMES = ("ERROR", "PENDING", "SERVER_ACK", "DELIVERY_ACK", "READ", "PLAYED")

# Close codes after which Evolution stops reconnecting: the phone must scan a QR again
# (401 loggedOut, 403 forbidden, 402, 406; 2.4.0-rc adds 408).
_LOGGED_OUT_CODES = {401, 402, 403, 406, 408}

# Containers whose `.message` holds the real content (disappearing chats, view once,
# a document sent with a caption, our own phone's copy of a 1:1 message).
_WRAPPERS = (
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "documentWithCaptionMessage",
    "deviceSentMessage",
)

# Fields that sit beside the content: device metadata, group encryption keys, and the
# media copies Evolution adds (`base64` with webhook base64 on, `mediaUrl` with S3).
_NOT_CONTENT = {"messageContextInfo", "senderKeyDistributionMessage", "base64", "mediaUrl"}

_MEDIA_KINDS: dict[str, MessageKind] = {
    "imageMessage": "image",
    "videoMessage": "video",
    "ptvMessage": "video",
    "documentMessage": "document",
    "stickerMessage": "sticker",
    "audioMessage": "audio",
}

# Replies to buttons and lists are what the customer chose; the CRM reads them as text.
_CHOICE_TEXT_FIELDS = {
    "buttonsResponseMessage": ("selectedDisplayText",),
    "templateButtonReplyMessage": ("selectedDisplayText",),
    "listResponseMessage": ("title",),
}

_INTEGER = re.compile(r"-?[0-9]{1,20}")

_CHAT_KINDS_WITH_PARTICIPANTS = {"group", "status", "broadcast", "newsletter"}

# Events we understand and deliberately skip: the CRM learns contacts and chats from
# messages, not from Evolution's address-book and history sync.
_IGNORED_EVENTS: dict[str, str] = {
    "application.startup": "engine started",
    "instance.create": "instance created",
    "instance.delete": "instance deleted",
    "status.instance": "duplicates connection.update",
    "messages.set": "history sync",
    "messaging.history.set": "history sync",
    "send.message.update": "acks arrive as messages.update",
    "contacts.set": "address book sync",
    "contacts.upsert": "address book sync",
    "contacts.update": "address book sync",
    "presence.update": "presence",
    "chats.set": "chat list sync",
    "chats.upsert": "chat list sync",
    "chats.update": "chat list sync",
    "chats.delete": "chat list sync",
    "groups.upsert": "group metadata",
    "groups.update": "group metadata",
    "group.update": "group metadata",
    "group.participants.update": "group metadata",
    "call": "call",
    "typebot.start": "chatbot integration",
    "typebot.change.status": "chatbot integration",
    "labels.edit": "labels",
    "labels.association": "labels",
    "creds.update": "credentials",
    "remove.instance": "instance removed",
}


def parse(payload: dict[str, Any]) -> list[Event]:
    """Parse one Evolution webhook body; anything not understood raises UnknownPayload."""
    if not isinstance(payload, dict):
        raise UnknownPayload("evolution: body is not an object")
    event = _event_name(payload.get("event"))
    if event is None or "data" not in payload:
        raise UnknownPayload("evolution: no event name or no data")
    data = payload["data"]
    parser = _PARSERS.get(event)
    if parser is not None:
        # Some versions batch Baileys' arrays as they come; each item is one event.
        items = data if isinstance(data, list) else [data]
        return [e for item in items for e in parser(item, payload)]
    if event in _IGNORED_EVENTS:
        return [Ignored(reason=f"{event}: {_IGNORED_EVENTS[event]}")]
    raise UnknownPayload(f"evolution: unknown event {event!r}")


def _event_name(raw: Any) -> str | None:
    """`messages.upsert`, `MESSAGES_UPSERT` and `group-participants.update` alike.

    The webhook body uses dotted lower case, but the upper-snake enum name reaches us
    through some configs and relays; dashes and underscores are folded to dots.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip().lower().replace("_", ".").replace("-", ".")


# --- messages ------------------------------------------------------------------------


def _parse_message(data: Any, envelope: Json) -> list[Event]:
    """`messages.upsert` and `send.message`: one WhatsApp message, ours or theirs."""
    data = require_dict(data, "evolution: message data")
    key = require_dict(data.get("key"), "evolution: message key")
    from_me = key.get("fromMe") is True
    outer = as_dict(data.get("message"))
    message = _unwrap(outer)
    if not set(message) - _NOT_CONTENT:
        # Undecryptable messages, stubs (group joins, missed calls) and bare group key
        # distributions carry nothing a person wrote.
        return [Ignored(reason="message without content")]
    special = _special_message(message)
    if special is not None:
        return special
    message_id = nonempty_text(key.get("id")) or _synthetic_id(data)
    chat, sender, alternate, links = _resolve_people(key, data, from_me, envelope)
    kind, text, caption, media, quoted = _read_content(message, outer, data)
    inbound = InboundMessage(
        engine_message_id=message_id,
        chat=chat,
        sender=sender,
        from_me=from_me,
        timestamp=_timestamp(data, envelope),
        kind=kind,
        text=text,
        caption=caption,
        media=media,
        location=_location(message) if kind == "location" else None,
        shared_contacts=_shared_contacts(message) if kind == "contact" else [],
        quoted_engine_message_id=quoted,
        # On our side Evolution fills pushName with the owner's name or "Você"; it must
        # never become the customer's name.
        push_name=None if from_me else nonempty_text(data.get("pushName")),
        alternate=alternate,
    )
    return [*links, inbound]


def _special_message(message: Json) -> list[Event] | None:
    """Revokes and edits travel as messages but are not new messages."""
    protocol = as_dict(message.get("protocolMessage"))
    if protocol:
        return [_protocol_event(protocol)]
    if "editedMessage" in message:
        return [Ignored(reason="edit")]
    return None


def _protocol_event(protocol: Json) -> Event:
    """protocolMessage type REVOKE (0) deletes the message named in its key."""
    kind = protocol.get("type")
    if kind in ("REVOKE", 0):
        target = nonempty_text(as_dict(protocol.get("key")).get("id"))
        if target is None:
            raise UnknownPayload("evolution: revoke without a message id")
        return Revoked(engine_message_id=target)
    if kind in ("MESSAGE_EDIT", 14) or "editedMessage" in protocol:
        return Ignored(reason="edit")
    return Ignored(reason=f"protocol message {kind}")


def _unwrap(message: Json) -> Json:
    """Open ephemeral / view-once / document-with-caption containers, nested or not."""
    for _ in range(len(_WRAPPERS) + 1):
        inner = next(
            (as_dict(as_dict(message.get(w)).get("message")) for w in _WRAPPERS if w in message),
            None,
        )
        if not inner:
            return message
        message = inner
    return message


def _synthetic_id(data: Json) -> str:
    """A stable id for a message whose key.id is blank, so redelivery still dedups.

    Seen in issue #2466's payload (the reporter blanked it); a real WhatsApp message
    always has one, so this only keeps such a body from being lost or merged.
    """
    basis = repr([data.get("key"), data.get("messageTimestamp"), data.get("message")])
    return "ponte-" + hashlib.sha256(basis.encode()).hexdigest()[:24]


# --- who: chat, sender, @lid ---------------------------------------------------------


def _resolve_people(
    key: Json, data: Json, from_me: bool, envelope: Json
) -> tuple[Identity, Identity, Identity | None, list[Event]]:
    """Chat, sender, the chat's alternate identity, and the lid-to-phone links seen.

    Where the phone number sits depends on the version: remoteJid is the lid with the
    phone in remoteJidAlt (2.3.5/2.3.6, messages.upsert-lid.json), remoteJid already
    swapped to the phone (2.3.7 and 2.4.0-rc), senderPn / previousRemoteJid (2.2-2.3.4),
    or nowhere (issue #2466). So every field is read and classified by its suffix;
    `addressingMode` is not trusted, since 2.3.7 says "lid" next to a swapped phone.
    """
    owner = canonicalize(as_text(envelope.get("sender")))
    remote = canonicalize(as_text(key.get("remoteJid")))
    if remote.kind in _CHAT_KINDS_WITH_PARTICIPANTS:
        participant_fields = ("participant", "participantAlt", "participantPn", "participantLid")
        phone, lid = _phone_and_lid([key.get(f) for f in participant_fields])
        person = phone or lid or remote
        sender = owner if from_me and owner.kind != "invalid" else person
        return remote, sender, None, _links(phone, lid)
    fields = [key.get("remoteJid"), key.get("remoteJidAlt"), key.get("previousRemoteJid")]
    if not from_me:
        # These name the author, which on our own messages is us, not the customer.
        author_fields = (
            "senderPn",
            "senderLid",
            "participant",
            "participantAlt",
            "participantPn",
            "participantLid",
        )
        fields += [key.get(f) for f in author_fields]
        fields += [data.get("senderPn"), data.get("senderLid")]
    phone, lid = _phone_and_lid(fields)
    chat = phone or lid or remote
    alternate = lid if phone is not None else None
    sender = owner if from_me else chat
    return chat, sender, alternate, _links(phone, lid)


def _phone_and_lid(raws: list[Any]) -> tuple[Identity | None, Identity | None]:
    """The first phone identity and the first @lid among the given JIDs, in order."""
    phone = lid = None
    for raw in raws:
        if not isinstance(raw, str) or not raw:
            continue
        identity = canonicalize(raw)
        if identity.kind == "user" and phone is None:
            phone = identity
        elif identity.kind == "lid" and lid is None:
            lid = identity
    return phone, lid


def _links(phone: Identity | None, lid: Identity | None) -> list[Event]:
    if phone is None or lid is None:
        return []
    return [IdentityLink(lid=lid, phone=phone)]


# --- what: content -------------------------------------------------------------------


def _read_content(
    message: Json, outer: Json, data: Json
) -> tuple[MessageKind, str, str, Media | None, str | None]:
    """Kind, text, caption, media and quoted id from an unwrapped message."""
    if "conversation" in message and isinstance(message["conversation"], str):
        return "text", message["conversation"], "", None, _quoted(data, None)
    extended = as_dict(message.get("extendedTextMessage"))
    if extended:
        return "text", as_text(extended.get("text")), "", None, _quoted(data, extended)
    for field, kind in _MEDIA_KINDS.items():
        content = as_dict(message.get(field))
        if content:
            if kind == "audio" and content.get("ptt") is True:
                kind = "voice"
            caption = as_text(content.get("caption"))
            media = _media(content, outer, message)
            return kind, "", caption, media, _quoted(data, content)
    return _read_other_content(message, data)


def _read_other_content(
    message: Json, data: Json
) -> tuple[MessageKind, str, str, Media | None, str | None]:
    """Locations, contacts, reactions and choice replies; anything else is `unknown`."""
    reaction = as_dict(message.get("reactionMessage"))
    if reaction:
        # The reacted-to message rides in `quoted`; an empty emoji removes a reaction.
        target = nonempty_text(as_dict(reaction.get("key")).get("id"))
        return "reaction", as_text(reaction.get("text")), "", None, target
    location = (as_dict(message.get("locationMessage"))
                or as_dict(message.get("liveLocationMessage")))
    if location:
        return "location", _coordinates(location), _place(location), None, _quoted(data, location)
    contact = as_dict(message.get("contactMessage"))
    if contact:
        return "contact", as_text(contact.get("displayName")), "", None, _quoted(data, contact)
    contacts = as_dict(message.get("contactsArrayMessage"))
    if contacts:
        cards = as_list(contacts.get("contacts"))
        names = [nonempty_text(as_dict(c).get("displayName")) for c in cards]
        text = ", ".join(n for n in names if n) or as_text(contacts.get("displayName"))
        return "contact", text, "", None, _quoted(data, contacts)
    for field, text_fields in _CHOICE_TEXT_FIELDS.items():
        choice = as_dict(message.get(field))
        if choice:
            text = next((t for f in text_fields if (t := nonempty_text(choice.get(f)))), "")
            return "text", text, "", None, _quoted(data, choice)
    return "unknown", "", "", None, _quoted(data, None)


def _media(content: Json, outer: Json, message: Json) -> Media:
    """Media facts, the file itself when webhook base64 is on, and where it is kept.

    `base64` (webhook base64 on) is the file; `mediaUrl` (S3 enabled) a plain copy;
    `url` WhatsApp's encrypted CDN copy, readable only with the mediaKey. Ponte fetches
    none of the URLs: Evolution's getBase64FromMediaMessage finds the file by message id.
    """
    holders = (outer, message)
    media_url = next((u for h in holders if (u := nonempty_text(h.get("mediaUrl")))), None)
    inline = next((b for h in holders if (b := nonempty_text(h.get("base64")))), None)
    return Media(
        mimetype=nonempty_text(content.get("mimetype")),
        filename=nonempty_text(content.get("fileName")),
        size=_size(content.get("fileLength")),
        engine_reference=media_url or nonempty_text(content.get("url")),
        inline_base64=inline,
        duration=read_duration(content.get("seconds")),
    )


def _location(message: Json) -> Location | None:
    place = as_dict(message.get("locationMessage")) or as_dict(message.get("liveLocationMessage"))
    return read_location(place.get("degreesLatitude"), place.get("degreesLongitude"),
                         place.get("name"), place.get("address"))


def _shared_contacts(message: Json) -> list[SharedContact]:
    single = as_dict(message.get("contactMessage"))
    cards = [single] if single else as_list(as_dict(message.get("contactsArrayMessage"))
                                           .get("contacts"))
    return [read_vcard(card.get("vcard"), as_text(card.get("displayName")))
            for card in cards if isinstance(card, dict)]


def _size(value: Any) -> int | None:
    size = _to_int(value)
    return size if size is not None and size >= 0 else None


def _quoted(data: Json, content: Json | None) -> str | None:
    """contextInfo.stanzaId of the content, or the copy Evolution puts on data."""
    for holder in (content or {}, data):
        stanza = nonempty_text(as_dict(holder.get("contextInfo")).get("stanzaId"))
        if stanza:
            return stanza
    return None


def _coordinates(location: Json) -> str:
    lat, lng = location.get("degreesLatitude"), location.get("degreesLongitude")
    if is_number(lat) and is_number(lng):
        return f"{lat},{lng}"
    return ""


def _place(location: Json) -> str:
    parts = (nonempty_text(location.get("name")), nonempty_text(location.get("address")))
    return "\n".join(p for p in parts if p)


# --- when ----------------------------------------------------------------------------


def _timestamp(data: Json, envelope: Json) -> datetime:
    """When the message was sent, from messageTimestamp.

    `date_time` is the server's local wall clock with a literal "Z" (3 h off on a
    UTC-3 server), so it is only a fallback, read as UTC for lack of anything better.
    """
    seconds = _to_int(data.get("messageTimestamp"))
    if seconds is not None and seconds > 0:
        if seconds > 10**11:  # milliseconds, as a few relays rewrite it
            seconds //= 1000
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    stamp = nonempty_text(envelope.get("date_time"))
    if stamp:
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    # Nothing usable: the moment it reached us is the closest truth.
    return datetime.now(UTC)


# --- message updates and deletes -----------------------------------------------------


def _parse_update(data: Any, envelope: Json) -> list[Event]:
    """`messages.update`: delivery status of a message, or an edit.

    Up to 2.3.4 any update without a status (an edit, a poll vote) fell through to
    `status[update.status] ?? 'DELETED'`, so "DELETED" here never meant a revoke:
    Evolution sends real revokes as `messages.delete` and skips messages.update for
    them (issue #2010). 2.3.7 sends edits with SERVER_ACK plus the new `message`.
    """
    data = require_dict(data, "evolution: update data")
    key_id = as_dict(data.get("key")).get("id")
    message_id = nonempty_text(data.get("keyId")) or nonempty_text(key_id)
    if message_id is None:
        raise UnknownPayload("evolution: messages.update without a message id")
    if as_dict(data.get("message")):
        return [Ignored(reason="edit")]
    if data.get("pollUpdates") is not None:
        return [Ignored(reason="poll vote")]
    raw = data.get("status", as_dict(data.get("update")).get("status"))
    name = _status_name(raw)
    if name == "DELETED":
        return [Ignored(reason="edit or other change without a status (not a revoke)")]
    if name == "EDITED":
        return [Ignored(reason="edit")]
    if name not in _STATUS_BY_NAME:
        raise UnknownPayload(f"evolution: unknown message status {raw!r}")
    status = _STATUS_BY_NAME[name]
    if status is None:
        return [Ignored(reason=f"status {name}")]
    return [StatusUpdate(engine_message_id=message_id, status=status)]


def _status_name(raw: Any) -> str | None:
    """Status by name, or by Baileys' number (0 ERROR .. 5 PLAYED)."""
    if isinstance(raw, str):
        raw = raw.strip()
        if not _INTEGER.fullmatch(raw):
            return raw.upper()
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < len(_STATUS_NAMES):
        return _STATUS_NAMES[raw]
    return None


def _parse_delete(data: Any, envelope: Json) -> list[Event]:
    """`messages.delete`: the revoked message's key (2.3.6) or key plus status (2.3.7)."""
    data = require_dict(data, "evolution: delete data")
    message_id = (
        nonempty_text(data.get("id")) or nonempty_text(data.get("keyId"))
        or nonempty_text(as_dict(data.get("key")).get("id"))
    )
    if message_id is None:
        raise UnknownPayload("evolution: messages.delete without a message id")
    return [Revoked(engine_message_id=message_id)]


def _parse_edited(data: Any, envelope: Json) -> list[Event]:
    """`messages.edited` carries the protocolMessage itself.

    Some versions send every protocolMessage under this name, revokes included.
    """
    return [_protocol_event(require_dict(data, "evolution: edited data"))]


# --- session -------------------------------------------------------------------------


def _parse_connection(data: Any, envelope: Json) -> list[Event]:
    """`connection.update`: the session's state, with the close code as the reason."""
    data = require_dict(data, "evolution: connection data")
    state = nonempty_text(data.get("state"))
    code = _to_int(data.get("statusReason"))
    reason = f"statusReason {code}" if code is not None else None
    if state == "open":
        return [SessionUpdate(state="connected", reason=reason)]
    if state == "connecting":
        return [SessionUpdate(state="starting", reason=reason)]
    if state == "close":
        lost = code in _LOGGED_OUT_CODES
        return [SessionUpdate(state="notlogged" if lost else "disconnected", reason=reason)]
    if state == "refused":
        # Sent when QRCODE_LIMIT codes went unscanned; Evolution stops trying.
        text = "qrcode limit" + (f" (statusReason {code})" if code is not None else "")
        return [SessionUpdate(state="disconnected", reason=text)]
    raise UnknownPayload(f"evolution: unknown connection state {state!r}")


def _parse_qrcode(data: Any, envelope: Json) -> list[Event]:
    """`qrcode.updated`: a new code to scan, or the notice that the limit was reached."""
    data = require_dict(data, "evolution: qrcode data")
    qrcode = as_dict(data.get("qrcode"))
    if nonempty_text(qrcode.get("base64")) or nonempty_text(qrcode.get("code")):
        # `code` alone is the text inside the QR, not an image: the state still counts.
        return [SessionUpdate(state="qrcode", qr=qr_image(qrcode.get("base64")))]
    message = nonempty_text(data.get("message"))
    if message:
        return [SessionUpdate(state="disconnected", reason=f"qrcode limit: {message}")]
    raise UnknownPayload("evolution: qrcode.updated without a code")


def _parse_logout(data: Any, envelope: Json) -> list[Event]:
    """`logout.instance`: someone logged the number out; a new QR scan is needed."""
    return [SessionUpdate(state="notlogged", reason="logout.instance")]


_PARSERS: dict[str, Callable[[Any, Json], list[Event]]] = {
    "messages.upsert": _parse_message,
    "send.message": _parse_message,
    "messages.update": _parse_update,
    "messages.delete": _parse_delete,
    "messages.edited": _parse_edited,
    "connection.update": _parse_connection,
    "qrcode.updated": _parse_qrcode,
    "logout.instance": _parse_logout,
}


# --- defensive readers ---------------------------------------------------------------


def _to_int(value: Any) -> int | None:
    """A protobuf 64-bit number as Evolution serialises it, or None.

    2.3.6+ emit Long objects `{low, high, unsigned}`; up to 2.3.2 decimal strings;
    otherwise a plain JSON number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 2**63 else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if _INTEGER.fullmatch(text) else None
    if isinstance(value, dict):
        low, high = value.get("low"), value.get("high", 0)
        if not (isinstance(low, int) and isinstance(high, int)) or isinstance(low, bool):
            return None
        if isinstance(high, bool):
            return None
        # Both halves are int32 on the wire; the low word is always read unsigned.
        number = ((high & 0xFFFFFFFF) << 32) | (low & 0xFFFFFFFF)
        if value.get("unsigned") is not True and number >= 2**63:
            number -= 2**64
        return number
    return None


def scrub_media(payload: dict[str, Any]) -> bool:
    """Blank the file (`base64`) and thumbnails a message body carries; True if any.

    `base64` sits beside the content (webhook base64 on), `jpegThumbnail` inside it.
    """
    found = False
    items = payload.get("data")
    for item in items if isinstance(items, list) else [items]:
        outer = as_dict(as_dict(item).get("message"))
        for holder in {id(h): h for h in (outer, _unwrap(outer))}.values():
            found = _blank(holder, "base64") or found
            for content in holder.values():
                if isinstance(content, dict):
                    found = _blank(content, "jpegThumbnail") or found
    return found


def _blank(holder: Json, field: str) -> bool:
    if holder.get(field):
        holder[field] = None
        return True
    return False


def scrub_secrets(payload: dict[str, Any]) -> bool:
    """Evolution copies the instance's apikey into every webhook body; never keep it."""
    if payload.get("apikey"):
        payload["apikey"] = None
        return True
    return False
