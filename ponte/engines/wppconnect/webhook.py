"""WPPConnect Server adapter: webhook bodies into canonical events.

The server posts every webhook as `{"event": <name>, "session": <name>, ...data}`
(`callWebHook` in the server's `src/util/functions.ts`), where `data` is whatever
the library handed it: a serialized message, a raw WhatsApp `Msg` model for
acks, or a small dict for session and side events. Shapes and their origins are
listed in `fixtures/wppconnect/SOURCES.md` and `captured/CAPTURED.md`.

Choices worth knowing:

- **Message ids.** WPPConnect writes a message key as
  `<fromMe>_<chat>_<id>` (1:1) or `<fromMe>_<chat>_<id>_<participant>` (groups,
  status), either as a string or as an object `{fromMe, remote, id, _serialized}`.
  The same message reaches us through onmessage, onselfmessage, onack,
  onrevokedmessage, reactions, quotes and the send-message response, and the
  `fromMe` prefix and the participant suffix differ between those reports.
  The bare `<id>` part is the one thing they all share, so it is our
  `engine_message_id`. WhatsApp draws it at random per message (20 to 32 hex
  characters in the samples), so dropping the chat costs nothing in practice.
- **Media.** With the server's default `autoDownload`, `body` holds the whole
  file as base64; with it off, `body` holds a JPEG thumbnail. Neither ever
  becomes text. When the body is the whole file (its decoded length reaches
  `size`) it travels on as `inline_base64`; a thumbnail does not.
  `engine_reference` is the message's full key (`false_<chat>_<id>`), what the
  server's download-media route finds the message by. The S3 `fileUrl` and
  WhatsApp's encrypted `deprecatedMms3Url` are not used: the route serves both
  cases. `duration` (seconds, a number or a numeric string) comes with voice
  notes, audio and video.
- **Locations and contacts.** `lat`/`lng` and `loc` ("name\naddress") become a
  `Location`; vCards (`body` for one card, `vcardList` for several) become
  `SharedContact`s with each `TEL` as written (its `waid` when the line is empty).
- **Reactions** become `InboundMessage(kind="reaction")` quoting the message
  reacted to (an empty text means the reaction was taken back), as the Cloud API
  adapter does. WPPConnect drops wa-js's `sender`, so a reaction we made
  ourselves has no knowable sender and is ignored.
- **Groups, status, broadcasts, newsletters** are parsed like any message with
  the chat identity of that kind: the privacy filter drops them later, and the
  pipeline gets to count them.
- **@lid senders** keep the lid as their identity. When the body also reveals
  the phone (`sender.phoneNumber`, or a phone `sender.id`), an `IdentityLink`
  comes first and the message carries the phone as `alternate`.

The body is untrusted JSON: every lookup tolerates absent, null or oddly typed
fields, and what cannot be understood raises `UnknownPayload`, never a bare
KeyError or TypeError.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

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
    SessionState,
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
    qr_image,
    read_duration,
    read_location,
    read_vcard,
)
from ponte.identity import Identity, canonicalize

_KINDS: dict[str, MessageKind] = {
    "chat": "text",
    # Replies to list and button messages carry the label the customer tapped.
    "list_response": "text",
    "buttons_response": "text",
    "template_button_reply": "text",
    "image": "image",
    "video": "video",
    "ptv": "video",  # round "video note"
    "audio": "audio",
    "ptt": "voice",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "vcard": "contact",
    "multi_vcard": "contact",
}
_MEDIA_KINDS = frozenset({"image", "video", "audio", "voice", "document", "sticker"})

# WhatsApp's own bookkeeping rows that reach onanymessage: nothing a person wrote.
_SYSTEM_TYPES = frozenset({
    "e2e_notification", "notification", "notification_template", "gp2", "protocol",
    "call_log", "broadcast_notification",
})

# WhatsApp's ACK enum (wa-js `MsgAck`); 0 is the clock icon, nothing happened yet.
_ACK_STATUSES: dict[int, MessageStatus] = {1: "sent", 2: "delivered", 3: "read", 4: "played"}
_ACK_ERRORS = {
    -1: "failed", -2: "expired", -3: "content gone", -4: "content too big",
    -5: "content unuploadable", -6: "inactive", -7: "md downgrade",
}

# Keys are lower-cased: the server and older versions disagree on capitals
# (`desconnectedMobile` is the library's own misspelling, kept alongside the fix).
# The start-up steps come in order initBrowser .. successChat; the login
# confirmations map to "starting" so the state never flips back from connected
# while WhatsApp Web is still loading the chats.
STATUS_FIND_STATES: dict[str, SessionState] = {
    "initbrowser": "starting",
    "openbrowser": "starting",
    "initwhatsapp": "starting",
    "successpagewhatsapp": "starting",
    "waitforlogin": "starting",
    "waitchat": "starting",
    "islogged": "starting",
    "qrreadsuccess": "starting",
    "inchat": "connected",
    "successchat": "connected",
    "notlogged": "notlogged",
    "qrreadfail": "notlogged",
    "qrreaderror": "notlogged",
    "autoclosecalled": "notlogged",  # nobody scanned the QR in time
    "deletetoken": "notlogged",
    "browserclose": "disconnected",
    "serverclose": "disconnected",
    "desconnectedmobile": "disconnected",
    "disconnectedmobile": "disconnected",
    "phonenotconnected": "disconnected",
}

# Events the server sends that we understand and deliberately skip.
_IGNORED_EVENTS = {
    "phonecode": "pairing code",
    "onpresencechanged": "presence update",
    "onparticipantschanged": "group participants changed",
    "incomingcall": "incoming call",
    "onpollresponse": "poll response",
    "onupdatelabel": "label update",
    "location": "live location update",
}


def parse(payload: dict[str, Any]) -> list[Event]:
    """Turn one webhook body into events; an unknown or event-less body raises."""
    if not isinstance(payload, dict):
        raise UnknownPayload("wppconnect: body is not an object")
    event = payload.get("event")
    if not isinstance(event, str) or not event:
        raise UnknownPayload("wppconnect: body without an event")
    name = event.lower()
    if name in _IGNORED_EVENTS:
        return [Ignored(reason=f"wppconnect {event}: {_IGNORED_EVENTS[name]}")]
    parser = _PARSERS.get(name)
    if parser is None:
        raise UnknownPayload(f"wppconnect: unknown event {event[:64]!r}")
    return parser(payload)


# -- messages ---------------------------------------------------------------------


class _Key(NamedTuple):
    """A message key, whichever of WPPConnect's two spellings it came in."""

    id: str
    from_me: bool | None = None
    remote: str | None = None
    participant: str | None = None


def _key(value: Any) -> _Key | None:
    if isinstance(value, str):
        return _key_from_text(value)
    if not isinstance(value, dict):
        return None
    bare = _key_from_text(as_text(value.get("id")))  # a MsgKey's `id` is already bare
    parsed = _key_from_text(as_text(value.get("_serialized"))) or bare
    if parsed is None:
        return None
    from_me = value.get("fromMe")
    return _Key(
        id=bare.id if bare else parsed.id,
        from_me=from_me if isinstance(from_me, bool) else parsed.from_me,
        remote=_jid(value.get("remote")) or parsed.remote,
        participant=_jid(value.get("participant")) or parsed.participant,
    )


def _key_from_text(value: str) -> _Key | None:
    """`false_<chat>_<id>[_<participant>]`, or an id that is bare already."""
    if not value:
        return None
    parts = value.split("_")
    if len(parts) >= 3 and parts[0] in ("true", "false") and parts[2]:
        return _Key(
            id=parts[2],
            from_me=parts[0] == "true",
            remote=parts[1] or None,
            participant="_".join(parts[3:]) or None,
        )
    return _Key(id=value)


def _parse_message(payload: dict[str, Any], *, self_message: bool = False) -> list[Event]:
    wa_type = payload.get("type")
    if wa_type == "ciphertext":
        # WPPConnect reports a message it could not decrypt yet, then the same id
        # again once it could: only the second one has content.
        return [Ignored(reason="ciphertext")]
    if isinstance(wa_type, str) and wa_type in _SYSTEM_TYPES:
        return [Ignored(reason=f"wppconnect system message {wa_type}")]
    key = _key(payload.get("id"))
    if key is None:
        raise UnknownPayload("wppconnect: message without an id")
    if wa_type == "revoked":
        # WhatsApp Web rewrites a deleted message in place, keeping its id.
        return [Revoked(engine_message_id=key.id)]

    stated = payload.get("fromMe")
    from_me = self_message or stated is True or (stated is None and key.from_me is True)
    sender_info = as_dict(payload.get("sender"))
    chat_jid = (
        _jid(payload.get("chatId"))
        or key.remote
        or _jid(payload.get("to" if from_me else "from"))
    )
    if not chat_jid:
        raise UnknownPayload("wppconnect: message without a chat")
    # `author` names the group member (or our own linked device); 1:1 bodies lack it.
    sender_jid = (
        _jid(payload.get("author"))
        or key.participant
        or _jid(sender_info.get("id"))
        or _jid(payload.get("from"))
        or chat_jid
    )
    chat, sender = canonicalize(chat_jid), canonicalize(sender_jid)
    link = None if from_me else _lid_link(chat, sender, sender_info)
    kind, text, caption, media = _content(payload, wa_type, _serialized_key(payload, key))
    message = InboundMessage(
        engine_message_id=key.id,
        chat=chat,
        sender=sender,
        from_me=from_me,
        timestamp=_timestamp(_first(payload, "t", "timestamp")),
        kind=kind,
        text=text,
        caption=caption,
        media=media,
        location=_location(payload) if kind == "location" else None,
        shared_contacts=_shared_contacts(payload) if kind == "contact" else [],
        quoted_engine_message_id=_quoted_id(payload),
        # The lead's name, not the operator's: our own messages name nobody.
        push_name=None if from_me else (
            as_text(payload.get("notifyName")) or as_text(sender_info.get("pushname")) or None
        ),
        alternate=link.phone if link and link.lid == chat else None,
    )
    return [link, message] if link else [message]


def _lid_link(chat: Identity, sender: Identity, sender_info: dict[str, Any]) -> IdentityLink | None:
    """The phone behind a @lid customer, when this body happens to carry it."""
    lid = sender if sender.kind == "lid" else chat if chat.kind == "lid" else None
    if lid is None:
        return None
    for raw in (_jid(sender_info.get("phoneNumber")), _jid(sender_info.get("id"))):
        phone = canonicalize(raw) if raw else None
        if phone is not None and phone.kind == "user":
            return IdentityLink(lid=lid, phone=phone)
    return None


def _content(
    payload: dict[str, Any], wa_type: Any, key: str
) -> tuple[MessageKind, str, str, Media | None]:
    """Kind, text, caption and media; a media `body` is base64 and never text."""
    kind: MessageKind = _KINDS.get(wa_type, "unknown") if isinstance(wa_type, str) else "unknown"
    if kind == "text":
        text = as_text(payload.get("body")) or as_text(payload.get("content"))
    elif kind == "location":
        text = _describe_location(payload)
    elif kind == "contact":
        text = _describe_contacts(payload)
    else:
        text = ""
    has_media = kind in _MEDIA_KINDS or bool(as_text(payload.get("mimetype")))
    media = _media(payload, key) if has_media else None
    return kind, text, as_text(payload.get("caption")), media


def _media(payload: dict[str, Any], key: str) -> Media:
    size = payload.get("size")
    size = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
    return Media(
        mimetype=as_text(payload.get("mimetype")) or None,
        filename=as_text(payload.get("filename")) or None,
        size=size,
        engine_reference=key or None,
        inline_base64=_whole_file(payload, size),
        duration=read_duration(payload.get("duration")),
    )


def _whole_file(payload: dict[str, Any], size: int | None) -> str | None:
    """The body when autoDownload put the whole file there, not a thumbnail."""
    body = as_text(payload.get("body")) or as_text(payload.get("content"))
    if not body:
        return None
    if size is None:
        # No size to compare with: only a body without a thumbnail's companions is whole.
        thumbnail = as_text(payload.get("deprecatedMms3Url")) or as_text(payload.get("fileUrl"))
        return None if thumbnail else body
    # 10% slack: a thumbnail is a few KB against a file many times larger.
    return body if _base64_size(body) * 10 >= size * 9 else None


def _base64_size(body: str) -> int:
    data = body.partition(",")[2] if body.startswith("data:") else body
    return len(data.strip().rstrip("=")) * 3 // 4


def _serialized_key(payload: dict[str, Any], key: _Key) -> str:
    """The message's whole key as WhatsApp Web writes it: `<fromMe>_<chat>_<id>[_<author>]`."""
    raw = payload.get("id")
    serialized = as_text(raw.get("_serialized")) if isinstance(raw, dict) else as_text(raw)
    if serialized.startswith(("true_", "false_")):
        return serialized
    if key.remote is None or key.from_me is None:
        stated = payload.get("fromMe")
        chat = _jid(payload.get("chatId")) or key.remote
        if not isinstance(stated, bool) or not chat:
            return ""
        return f"{'true' if stated else 'false'}_{chat}_{key.id}"
    tail = f"_{key.participant}" if key.participant else ""
    return f"{'true' if key.from_me else 'false'}_{key.remote}_{key.id}{tail}"


def _location(payload: dict[str, Any]) -> Location | None:
    # `loc` is the place as WhatsApp shows it: its name, then its address.
    name, _, address = as_text(payload.get("loc")).partition("\n")
    return read_location(payload.get("lat"), payload.get("lng"), name, address)


def _shared_contacts(payload: dict[str, Any]) -> list[SharedContact]:
    cards = payload.get("vcardList")
    if isinstance(cards, list):
        return [read_vcard(card.get("vcard"), as_text(card.get("displayName")))
                for card in as_list(cards) if isinstance(card, dict)]
    body = payload.get("body")
    return [read_vcard(body, as_text(payload.get("vcardFormattedName")))] if body else []


def _describe_location(payload: dict[str, Any]) -> str:
    # The body of a location is a map thumbnail; the place lives in lat/lng/loc.
    lat, lng = payload.get("lat"), payload.get("lng")
    words = [f"{lat},{lng}"] if is_number(lat) and is_number(lng) else []
    label = as_text(payload.get("loc"))
    if label:
        words.append(label)
    return " ".join(words)


def _describe_contacts(payload: dict[str, Any]) -> str:
    """Shared contacts' names, like the other adapters give."""
    cards = payload.get("vcardList")
    if isinstance(cards, list):
        names = [
            as_text(card.get("displayName")) or _vcard_name(card.get("vcard"))
            for card in cards
            if isinstance(card, dict)
        ]
    else:
        names = [as_text(payload.get("vcardFormattedName")) or _vcard_name(payload.get("body"))]
    return ", ".join(name for name in names if name)


def _vcard_name(vcard: Any) -> str:
    for line in as_text(vcard).splitlines():
        label, _, value = line.partition(":")
        if label.upper().split(";")[0] == "FN":
            return value.strip()
    return ""


def _quoted_id(payload: dict[str, Any]) -> str | None:
    quoted = as_dict(payload.get("quotedMsg"))
    for value in (payload.get("quotedMsgId"), payload.get("quotedStanzaID"), quoted.get("id")):
        key = _key(value)
        if key is not None:
            return key.id
    return None


# -- message side events ------------------------------------------------------------


def _parse_ack(payload: dict[str, Any]) -> list[Event]:
    """Acks fire for both directions; on a customer's message, "read" means we read it."""
    key = _key(payload.get("id"))
    ack = payload.get("ack")
    if key is None or not isinstance(ack, int) or isinstance(ack, bool):
        raise UnknownPayload("wppconnect: onack without a message id or ack")
    if ack < 0:
        error = _ACK_ERRORS.get(ack, f"ack {ack}")
        return [StatusUpdate(engine_message_id=key.id, status="failed", error=error)]
    status = _ACK_STATUSES.get(ack)
    if status is None:
        return [Ignored(reason=f"wppconnect ack {ack} for {key.id}")]
    return [StatusUpdate(engine_message_id=key.id, status=status)]


def _parse_revoked(payload: dict[str, Any]) -> list[Event]:
    # `id` is the revoke notice itself; `refId` is the message that was deleted.
    key = _key(payload.get("refId"))
    if key is None:
        raise UnknownPayload("wppconnect: onrevokedmessage without refId")
    return [Revoked(engine_message_id=key.id)]


def _parse_reaction(payload: dict[str, Any]) -> list[Event]:
    key, target = _key(payload.get("id")), _key(payload.get("msgId"))
    if key is None or target is None:
        raise UnknownPayload("wppconnect: onreactionmessage without ids")
    if key.from_me:
        return [Ignored(reason="wppconnect reaction of our own")]
    chat_jid = key.remote or target.remote
    if not chat_jid:
        raise UnknownPayload("wppconnect: onreactionmessage without a chat")
    return [
        InboundMessage(
            engine_message_id=key.id,
            chat=canonicalize(chat_jid),
            sender=canonicalize(key.participant or chat_jid),
            timestamp=_timestamp(payload.get("timestamp")),
            kind="reaction",
            text=as_text(payload.get("reactionText")),
            quoted_engine_message_id=target.id,
        )
    ]


# -- session events ----------------------------------------------------------------


def _parse_status_find(payload: dict[str, Any]) -> list[Event]:
    status = as_text(payload.get("status"))
    state = STATUS_FIND_STATES.get(status.lower())
    if state is None:
        raise UnknownPayload(f"wppconnect: unknown status-find {status[:64]!r}")
    return [SessionUpdate(state=state, reason=status, session=session_of(payload))]


def _parse_qrcode(payload: dict[str, Any]) -> list[Event]:
    # The server strips the data-URL prefix from the PNG; put it back so a page
    # can show it as it is. `urlcode` (the raw QR text) stays with the engine.
    return [SessionUpdate(state="qrcode", qr=qr_image(payload.get("qrcode")),
                          session=session_of(payload))]


def _parse_session_end(payload: dict[str, Any], *, state: SessionState) -> list[Event]:
    reason = as_text(payload.get("message")) or as_text(payload.get("event")) or state
    return [SessionUpdate(state=state, reason=reason, session=session_of(payload))]


def scrub_media(payload: dict[str, Any]) -> bool:
    """Blank the base64 a media message carries in `body` and `content` (the whole file with
    autoDownload, else a thumbnail); True if there was any. Its key and facts stay."""
    wa_type = payload.get("type")
    kind = _KINDS.get(wa_type) if isinstance(wa_type, str) else None
    if kind not in _MEDIA_KINDS and not as_text(payload.get("mimetype")):
        return False
    found = False
    for field in ("body", "content"):
        if as_text(payload.get(field)):
            payload[field] = ""
            found = True
    return found


def session_of(payload: dict[str, Any]) -> str | None:
    """The session a webhook is about; absent after close-session reset the entry."""
    return as_text(payload.get("session")) or None


_PARSERS: dict[str, Callable[[dict[str, Any]], list[Event]]] = {
    "onmessage": _parse_message,
    "onanymessage": _parse_message,
    "unreadmessages": _parse_message,
    "onselfmessage": partial(_parse_message, self_message=True),
    "onack": _parse_ack,
    "onrevokedmessage": _parse_revoked,
    "onreactionmessage": _parse_reaction,
    "status-find": _parse_status_find,
    "qrcode": _parse_qrcode,
    "closesession": partial(_parse_session_end, state="disconnected"),
    "logoutsession": partial(_parse_session_end, state="notlogged"),
}


# -- accessors ---------------------------------------------------------------------


def _timestamp(raw: Any) -> datetime:
    """Seconds for messages; reactions and presence use milliseconds, told apart by size."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 20:
        raw = int(raw)
    if not is_number(raw):
        raise UnknownPayload("wppconnect: missing timestamp")
    try:
        seconds = float(raw)
        if seconds > 100_000_000_000:  # year 5138 in seconds, 1973 in milliseconds
            seconds /= 1000
        if not seconds > 0:  # also refuses NaN
            raise ValueError("not after 1970")
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise UnknownPayload(f"wppconnect: bad timestamp {raw!r:.40}") from exc


def _jid(value: Any) -> str | None:
    """A WhatsApp id written as a string or as a Wid object `{_serialized}`."""
    if isinstance(value, dict):
        value = value.get("_serialized")
    return value if isinstance(value, str) and value else None


def _first(payload: dict[str, Any], *names: str) -> Any:
    for name in names:
        if payload.get(name) is not None:
            return payload[name]
    return None

