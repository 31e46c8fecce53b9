"""What the Evolution adapter promises: every real payload shape becomes the right event."""

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponte.engines import registry
from ponte.engines.events import (
    IdentityLink,
    Ignored,
    InboundMessage,
    Location,
    Revoked,
    SessionUpdate,
    SharedContact,
    StatusUpdate,
    UnknownPayload,
)
from ponte.engines.evolution import parse
from ponte.engines.evolution.webhook import scrub_media
from tests.support import fixtures_dir

FIXTURES = fixtures_dir()
EVOLUTION = FIXTURES / "evolution"
# REST exchanges (`rest.*`) are the client's business, not the webhook parser's.
WEBHOOK_FILES = sorted(p.name for p in EVOLUTION.glob("*.json") if not p.name.startswith("rest."))

CUSTOMER_PHONE = "+5521998765432"
CUSTOMER_LID = "187654321098765@lid"
OWNER_PHONE = "+5511987654321"
OWNER_JID = "5511987654321@s.whatsapp.net"


def load(name: str) -> dict[str, Any]:
    """A fresh copy of one fixture, safe to mutate."""
    return json.loads((EVOLUTION / name).read_text())


def only(events: list, kind: type) -> Any:
    """The single event of `kind`, failing loudly if there is not exactly one."""
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


# What each real payload must become, in order.
EXPECTED: dict[str, list[type]] = {
    "connection.update-close.json": [SessionUpdate],
    "connection.update-connecting.json": [SessionUpdate],
    "connection.update-refused.json": [SessionUpdate],
    "connection.update.json": [SessionUpdate],
    "messages.delete.json": [Revoked],
    "messages.update-issue2010.json": [Ignored],
    "messages.update-read.json": [StatusUpdate],
    "messages.update.json": [StatusUpdate],
    "messages.upsert-audio.json": [IdentityLink, InboundMessage],
    "messages.upsert-contact.json": [IdentityLink, InboundMessage],
    "messages.upsert-contacts-array.json": [IdentityLink, InboundMessage],
    "messages.upsert-fromme.json": [IdentityLink, InboundMessage],
    "messages.upsert-group.json": [IdentityLink, InboundMessage],
    "messages.upsert-image.json": [IdentityLink, InboundMessage],
    "messages.upsert-lid-only-issue2466.json": [InboundMessage],
    "messages.upsert-lid-v2.3.7.json": [InboundMessage],
    "messages.upsert-lid-v2.4.0-rc.json": [IdentityLink, InboundMessage],
    "messages.upsert-lid.json": [IdentityLink, InboundMessage],
    "messages.upsert-location.json": [IdentityLink, InboundMessage],
    "messages.upsert-text.json": [IdentityLink, InboundMessage],
    "qrcode.updated.json": [SessionUpdate],
    "send.message.json": [InboundMessage],
}


def test_the_fixture_folder_is_found_and_fully_covered() -> None:
    assert WEBHOOK_FILES, f"no Evolution fixtures under {EVOLUTION}"
    assert sorted(EXPECTED) == WEBHOOK_FILES


@pytest.mark.parametrize("name", WEBHOOK_FILES)
def test_every_real_payload_becomes_the_expected_events(name: str) -> None:
    events = registry.parse("evolution", load(name))
    assert [type(e) for e in events] == EXPECTED.get(name), events


# --- who -----------------------------------------------------------------------------


def _with_key(key: dict[str, Any]) -> dict[str, Any]:
    payload = load("messages.upsert-text.json")
    payload["data"]["key"] = key
    return payload


LID_VARIANTS = {
    "2.3.5-2.3.6 lid with remoteJidAlt": load("messages.upsert-lid.json"),
    "2.3.7 swapped to the phone": load("messages.upsert-lid-v2.3.7.json"),
    "2.4.0-rc swapped with the lid in remoteJidAlt": load("messages.upsert-lid-v2.4.0-rc.json"),
    "pn addressing": load("messages.upsert-text.json"),
    "senderPn in the key": _with_key(
        {
            "remoteJid": CUSTOMER_LID,
            "fromMe": False,
            "id": "3AAA",
            "senderPn": "5521998765432@s.whatsapp.net",
        }
    ),
    "previousRemoteJid after the participant swap": _with_key(
        {
            "remoteJid": "5521998765432@s.whatsapp.net",
            "previousRemoteJid": CUSTOMER_LID,
            "fromMe": False,
            "id": "3AAB",
        }
    ),
}


@pytest.mark.parametrize("payload", LID_VARIANTS.values(), ids=LID_VARIANTS.keys())
def test_every_lid_variant_resolves_to_the_phone_identity(payload: dict[str, Any]) -> None:
    message = only(parse(payload), InboundMessage)
    assert message.chat.kind == "user"
    assert message.chat.e164 == CUSTOMER_PHONE
    assert message.sender.e164 == CUSTOMER_PHONE


@pytest.mark.parametrize(
    "name",
    [k for k in LID_VARIANTS if k != "2.3.7 swapped to the phone"],
)
def test_a_lid_seen_next_to_the_phone_is_linked_and_kept_as_alternate(name: str) -> None:
    events = parse(copy.deepcopy(LID_VARIANTS[name]))
    link = only(events, IdentityLink)
    message = only(events, InboundMessage)
    assert (link.lid.raw, link.phone.e164) == (CUSTOMER_LID, CUSTOMER_PHONE)
    assert message.alternate is not None and message.alternate.raw == CUSTOMER_LID
    assert events.index(link) < events.index(message), "the link must be known first"


def test_lid_only_chat_stays_the_lid_identity() -> None:
    events = parse(load("messages.upsert-lid-only-issue2466.json"))
    message = only(events, InboundMessage)
    assert message.chat.kind == "lid" and message.chat.raw == "13718@lid"
    assert message.alternate is None
    assert not [e for e in events if isinstance(e, IdentityLink)]


def test_blank_message_id_gets_a_stable_id_so_redelivery_still_dedups() -> None:
    first = only(parse(load("messages.upsert-lid-only-issue2466.json")), InboundMessage)
    again = only(parse(load("messages.upsert-lid-only-issue2466.json")), InboundMessage)
    assert first.engine_message_id and first.engine_message_id == again.engine_message_id


def test_own_messages_are_sent_by_the_owner_and_never_name_the_customer() -> None:
    for name in ("messages.upsert-fromme.json", "send.message.json"):
        message = only(parse(load(name)), InboundMessage)
        assert message.from_me
        assert message.chat.e164 == CUSTOMER_PHONE
        assert message.sender.e164 == OWNER_PHONE
        assert message.push_name is None  # Evolution writes "Você" there


def test_own_message_in_a_lid_chat_does_not_link_the_owner_number() -> None:
    payload = _with_key(
        {
            "remoteJid": CUSTOMER_LID,
            "fromMe": True,
            "id": "3AAC",
            "senderPn": "5511987654321@s.whatsapp.net",  # the author: us
        }
    )
    events = parse(payload)
    assert not [e for e in events if isinstance(e, IdentityLink)]
    assert only(events, InboundMessage).chat.raw == CUSTOMER_LID


def test_group_message_keeps_the_group_as_chat_and_the_phone_as_sender() -> None:
    events = parse(load("messages.upsert-group.json"))
    message = only(events, InboundMessage)
    assert message.chat.kind == "group"
    assert message.sender.e164 == CUSTOMER_PHONE
    assert message.push_name == "Mariana Souza"
    assert only(events, IdentityLink).lid.raw == CUSTOMER_LID


@pytest.mark.parametrize(
    ("remote_jid", "kind"),
    [
        ("status@broadcast", "status"),
        ("1700000000@broadcast", "broadcast"),
        ("120363111111111111@newsletter", "newsletter"),
    ],
)
def test_broadcasts_and_newsletters_arrive_with_their_own_chat_kind(
    remote_jid: str, kind: str
) -> None:
    payload = _with_key(
        {
            "remoteJid": remote_jid,
            "fromMe": False,
            "id": "3AAD",
            "participant": "5521998765432@s.whatsapp.net",
        }
    )
    message = only(parse(payload), InboundMessage)
    assert message.chat.kind == kind


# --- when ----------------------------------------------------------------------------


def test_timestamp_comes_from_message_timestamp_not_date_time() -> None:
    message = only(parse(load("messages.upsert-text.json")), InboundMessage)
    # date_time says 10:15:42 "Z", but it is the UTC-3 server's wall clock.
    assert message.timestamp == datetime(2025, 11, 3, 13, 15, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [1762175742, "1762175742", {"low": 1762175742, "high": 0, "unsigned": False}, 1762175742000],
    ids=["number", "string", "long", "milliseconds"],
)
def test_message_timestamp_is_read_in_every_encoding(raw: Any) -> None:
    payload = load("messages.upsert-text.json")
    payload["data"]["messageTimestamp"] = raw
    message = only(parse(payload), InboundMessage)
    assert message.timestamp == datetime(2025, 11, 3, 13, 15, 42, tzinfo=UTC)


def test_date_time_is_only_a_fallback_when_message_timestamp_is_absent() -> None:
    payload = load("messages.upsert-text.json")
    del payload["data"]["messageTimestamp"]
    message = only(parse(payload), InboundMessage)
    assert message.timestamp == datetime(2025, 11, 3, 10, 15, 42, 317000, tzinfo=UTC)
    assert message.timestamp.tzinfo is not None


# --- what ----------------------------------------------------------------------------


def test_text_comes_from_conversation_and_from_extended_text() -> None:
    plain = only(parse(load("messages.upsert-text.json")), InboundMessage)
    assert (plain.kind, plain.text) == ("text", "Oi! Queria saber o preço do plano anual.")

    payload = load("messages.upsert-text.json")
    payload["data"]["message"] = {
        "extendedTextMessage": {
            "text": "Segue o link https://exemplo.com.br",
            "contextInfo": {
                "stanzaId": "3EB0QUOTED",
                "participant": "5511987654321@s.whatsapp.net",
            },
        }
    }
    extended = only(parse(payload), InboundMessage)
    assert extended.text == "Segue o link https://exemplo.com.br"
    assert extended.quoted_engine_message_id == "3EB0QUOTED"


def _wrap(wrapper: str, message: dict[str, Any]) -> dict[str, Any]:
    return {wrapper: {"message": message}, "messageContextInfo": {"deviceListMetadataVersion": 2}}


@pytest.mark.parametrize(
    "wrappers",
    [
        ["ephemeralMessage"],
        ["viewOnceMessage"],
        ["viewOnceMessageV2"],
        ["ephemeralMessage", "viewOnceMessageV2"],
    ],
    ids=lambda w: "+".join(w),
)
def test_ephemeral_wrapper_is_unwrapped(wrappers: list[str]) -> None:
    payload = load("messages.upsert-image.json")
    inner = payload["data"]["message"]
    for wrapper in reversed(wrappers):
        inner = _wrap(wrapper, inner)
    payload["data"]["message"] = inner
    message = only(parse(payload), InboundMessage)
    assert (message.kind, message.caption) == ("image", "Comprovante do pagamento")
    assert message.media is not None and message.media.mimetype == "image/jpeg"


def test_document_with_caption_is_unwrapped() -> None:
    payload = load("messages.upsert-image.json")
    payload["data"]["message"] = _wrap(
        "documentWithCaptionMessage",
        {
            "documentMessage": {
                "url": "https://mmg.whatsapp.net/v/t62.7119-24/doc.enc",
                "mimetype": "application/pdf",
                "fileName": "orcamento.pdf",
                "fileLength": "48213",
                "caption": "Orçamento atualizado",
            }
        },
    )
    message = only(parse(payload), InboundMessage)
    assert (message.kind, message.caption) == ("document", "Orçamento atualizado")
    assert message.media is not None
    assert (message.media.filename, message.media.size) == ("orcamento.pdf", 48213)


def test_image_carries_caption_mimetype_size_and_reference() -> None:
    message = only(parse(load("messages.upsert-image.json")), InboundMessage)
    assert (message.kind, message.text, message.caption) == (
        "image",
        "",
        "Comprovante do pagamento",
    )
    assert message.media is not None
    assert message.media.mimetype == "image/jpeg"
    assert isinstance(message.media.size, int) and message.media.size > 0
    assert message.media.engine_reference.startswith("https://mmg.whatsapp.net/")


def test_voice_note_is_voice_and_plain_audio_is_audio() -> None:
    voice = only(parse(load("messages.upsert-audio.json")), InboundMessage)
    assert voice.kind == "voice"
    assert voice.media is not None
    assert (voice.media.mimetype, voice.media.size) == ("audio/ogg; codecs=opus", 14336)

    payload = load("messages.upsert-audio.json")
    payload["data"]["message"]["audioMessage"]["ptt"] = False
    assert only(parse(payload), InboundMessage).kind == "audio"


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ({"low": 14336, "high": 0, "unsigned": True}, 14336),
        ({"low": -2, "high": 0, "unsigned": True}, 2**32 - 2),
        ({"low": 5, "high": 1, "unsigned": False}, 2**32 + 5),
        ("14336", 14336),
        (14336, 14336),
        (14336.0, 14336),
        ("lots", None),
        ({"low": "x"}, None),
        (True, None),
        (-1, None),
    ],
)
def test_file_length_in_every_encoding_becomes_an_int_or_none(raw: Any, size: int | None) -> None:
    payload = load("messages.upsert-audio.json")
    payload["data"]["message"]["audioMessage"]["fileLength"] = raw
    message = only(parse(payload), InboundMessage)
    assert message.media is not None and message.media.size == size


def test_webhook_base64_is_the_file_and_the_s3_url_the_reference() -> None:
    payload = load("messages.upsert-image.json")
    payload["data"]["message"]["base64"] = "/9j/4AAQSkZJRgABAQ=="
    media = only(parse(payload), InboundMessage).media
    assert media.inline_base64 == "/9j/4AAQSkZJRgABAQ=="
    assert "/9j/4AAQSkZJRgABAQ==" not in json.dumps(media.facts())
    assert media.engine_reference.startswith("https://mmg.whatsapp.net/")

    payload["data"]["message"]["mediaUrl"] = "https://s3.example.com/crm-main/3A77.jpeg"
    reference = only(parse(payload), InboundMessage).media.engine_reference
    assert reference == "https://s3.example.com/crm-main/3A77.jpeg"


@pytest.mark.parametrize(
    ("content", "kind", "text"),
    [
        (
            {
                "locationMessage": {
                    "degreesLatitude": -22.9,
                    "degreesLongitude": -43.2,
                    "name": "Loja",
                }
            },
            "location",
            "-22.9,-43.2",
        ),
        (
            {"contactMessage": {"displayName": "João Silva", "vcard": "BEGIN:VCARD\nEND:VCARD"}},
            "contact",
            "João Silva",
        ),
        (
            {
                "contactsArrayMessage": {
                    "contacts": [{"displayName": "Ana"}, {"displayName": "Bia"}]
                }
            },
            "contact",
            "Ana, Bia",
        ),
        ({"reactionMessage": {"key": {"id": "3EB0TARGET"}, "text": "👍"}}, "reaction", "👍"),
        (
            {"stickerMessage": {"url": "https://mmg.whatsapp.net/s.enc", "mimetype": "image/webp"}},
            "sticker",
            "",
        ),
        (
            {"videoMessage": {"url": "https://mmg.whatsapp.net/v.enc", "caption": "olha"}},
            "video",
            "",
        ),
        (
            {"buttonsResponseMessage": {"selectedDisplayText": "Quero comprar"}},
            "text",
            "Quero comprar",
        ),
        ({"pollCreationMessageV3": {"name": "Qual horário?"}}, "unknown", ""),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_message_type_gets_its_kind(content: dict[str, Any], kind: str, text: str) -> None:
    payload = load("messages.upsert-text.json")
    payload["data"]["message"] = content
    message = only(parse(payload), InboundMessage)
    assert (message.kind, message.text) == (kind, text)


def test_reaction_points_at_the_message_it_reacts_to() -> None:
    payload = load("messages.upsert-text.json")
    payload["data"]["message"] = {"reactionMessage": {"key": {"id": "3EB0TARGET"}, "text": "❤️"}}
    assert only(parse(payload), InboundMessage).quoted_engine_message_id == "3EB0TARGET"


@pytest.mark.parametrize(
    "content",
    [
        None,
        {},
        {"messageContextInfo": {"deviceListMetadataVersion": 2}},
        {"senderKeyDistributionMessage": {"groupId": "1@g.us"}},
    ],
    ids=["null", "empty", "metadata only", "group key only"],
)
def test_message_without_content_is_ignored(content: Any) -> None:
    payload = load("messages.upsert-text.json")
    payload["data"]["message"] = content
    assert [type(e) for e in parse(payload)] == [Ignored]


# --- edits, revokes and statuses -----------------------------------------------------


def _update(**data: Any) -> dict[str, Any]:
    payload = load("messages.update.json")
    payload["data"] = {**payload["data"], **data}
    return payload


EDITS = {
    "<=2.3.4 DELETED fallback (issue 2010)": load("messages.update-issue2010.json"),
    "<=2.3.4 DELETED fallback with the new text": _update(
        status="DELETED", message={"conversation": "texto corrigido"}
    ),
    "2.3.7 SERVER_ACK with the new text": _update(
        status="SERVER_ACK", message={"conversation": "texto corrigido"}
    ),
    "messages.edited": {
        "event": "messages.edited",
        "instance": "crm-main",
        "data": {
            "key": {"remoteJid": "5521998765432@s.whatsapp.net", "fromMe": False, "id": "3A5F"},
            "type": "MESSAGE_EDIT",
            "editedMessage": {"conversation": "texto corrigido"},
        },
    },
}


@pytest.mark.parametrize("payload", EDITS.values(), ids=EDITS.keys())
def test_edit_is_not_a_revoke(payload: dict[str, Any]) -> None:
    events = parse(payload)
    assert not [e for e in events if isinstance(e, Revoked | StatusUpdate)], events
    assert len(events) == 1 and isinstance(events[0], Ignored)


def test_edit_inside_messages_upsert_is_not_a_new_message() -> None:
    payload = load("messages.upsert-text.json")
    payload["data"]["message"] = {
        "protocolMessage": {
            "key": {"id": "3A5F"},
            "type": 14,
            "editedMessage": {"conversation": "x"},
        }
    }
    assert [type(e) for e in parse(payload)] == [Ignored]


def _revoke_upsert() -> dict[str, Any]:
    payload = load("messages.upsert-text.json")
    payload["data"]["message"] = {
        "protocolMessage": {"key": {"id": "3A5FREVOKED"}, "type": "REVOKE"}
    }
    return payload


def _bare_key_delete() -> dict[str, Any]:
    payload = load("messages.delete.json")
    del payload["data"]["status"]
    payload["data"]["id"] = "3A5FREVOKED"
    return payload


def _revoke_as_edited() -> dict[str, Any]:
    return {
        "event": "messages.edited",
        "instance": "crm-main",
        "data": {"key": {"id": "3A5FREVOKED"}, "type": 0},
    }


@pytest.mark.parametrize(
    "payload",
    [_revoke_upsert(), _bare_key_delete(), _revoke_as_edited()],
    ids=["protocolMessage in upsert", "2.3.6 bare key", "revoke sent as messages.edited"],
)
def test_revoke_names_the_deleted_message(payload: dict[str, Any]) -> None:
    assert parse(payload) == [Revoked(engine_message_id="3A5FREVOKED")]


def test_messages_delete_fixture_revokes_its_key() -> None:
    assert parse(load("messages.delete.json")) == [
        Revoked(engine_message_id="3A5F1C2B7E9D04A6B8C1")
    ]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("ERROR", "failed"),
        ("SERVER_ACK", "sent"),
        ("DELIVERY_ACK", "delivered"),
        ("READ", "read"),
        ("PLAYED", "played"),
        (0, "failed"),
        (2, "sent"),
        (3, "delivered"),
        (4, "read"),
        (5, "played"),
        ("4", "read"),
    ],
)
def test_delivery_status_maps_from_names_and_numbers(raw: Any, status: str) -> None:
    assert parse(_update(status=raw)) == [
        StatusUpdate(engine_message_id="3EB0C7A1F2D3E4B5A6C7D8", status=status)
    ]


@pytest.mark.parametrize("raw", ["PENDING", 1])
def test_pending_status_is_ignored(raw: Any) -> None:
    assert [type(e) for e in parse(_update(status=raw))] == [Ignored]


def test_status_update_falls_back_to_the_key_id() -> None:
    payload = load("messages.update-read.json")
    del payload["data"]["keyId"]
    payload["data"]["key"] = {"id": "3EB0FROMKEY"}
    assert only(parse(payload), StatusUpdate).engine_message_id == "3EB0FROMKEY"


# --- session -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("connection.update.json", "connected"),
        ("connection.update-connecting.json", "starting"),
        ("connection.update-close.json", "notlogged"),
        ("connection.update-refused.json", "disconnected"),
    ],
)
def test_connection_state_becomes_the_session_state(name: str, state: str) -> None:
    update = only(parse(load(name)), SessionUpdate)
    assert update.state == state
    assert update.reason and str(load(name)["data"]["statusReason"]) in update.reason


def test_refused_connection_says_the_qrcode_limit_was_reached() -> None:
    assert (
        "qrcode limit" in only(parse(load("connection.update-refused.json")), SessionUpdate).reason
    )


@pytest.mark.parametrize(
    ("code", "state"),
    [
        (401, "notlogged"),
        (402, "notlogged"),
        (403, "notlogged"),
        (406, "notlogged"),
        (408, "notlogged"),
        (428, "disconnected"),
        (500, "disconnected"),
        (None, "disconnected"),
    ],
)
def test_only_final_close_codes_mean_the_number_must_be_paired_again(code: Any, state: str) -> None:
    payload = load("connection.update-close.json")
    payload["data"]["statusReason"] = code
    assert only(parse(payload), SessionUpdate).state == state


def test_qrcode_update_carries_the_image() -> None:
    update = only(parse(load("qrcode.updated.json")), SessionUpdate)
    assert update.state == "qrcode"
    assert update.qr and update.qr.startswith("data:image/png;base64,")


def test_logout_means_the_number_must_be_paired_again() -> None:
    payload = {"event": "logout.instance", "instance": "crm-main", "data": {"instance": "crm-main"}}
    assert only(parse(payload), SessionUpdate).state == "notlogged"


# --- envelope ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "upper", "expected"),
    [
        ("messages.upsert-text.json", "MESSAGES_UPSERT", InboundMessage),
        ("send.message.json", "SEND_MESSAGE", InboundMessage),
        ("messages.update-read.json", "MESSAGES_UPDATE", StatusUpdate),
        ("messages.delete.json", "MESSAGES_DELETE", Revoked),
        ("connection.update.json", "CONNECTION_UPDATE", SessionUpdate),
        ("qrcode.updated.json", "QRCODE_UPDATED", SessionUpdate),
    ],
)
def test_upper_snake_event_names_are_read_like_dotted_ones(
    name: str, upper: str, expected: type
) -> None:
    payload = load(name)
    payload["event"] = upper
    assert parse(payload) == parse(load(name))
    assert any(isinstance(e, expected) for e in parse(payload))


@pytest.mark.parametrize(
    "event",
    [
        "presence.update",
        "contacts.upsert",
        "contacts.update",
        "chats.upsert",
        "chats.update",
        "chats.delete",
        "groups.upsert",
        "groups.update",
        "group-participants.update",
        "GROUP_PARTICIPANTS_UPDATE",
        "call",
        "labels.edit",
        "labels.association",
        "messages.set",
        "application.startup",
        "remove.instance",
        "status.instance",
        "messaging-history.set",
    ],
)
def test_known_events_we_do_not_need_are_ignored_with_a_reason(event: str) -> None:
    payload = {"event": event, "instance": "crm-main", "data": [{"id": "x"}]}
    ignored = only(parse(payload), Ignored)
    assert ignored.reason


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"event": "messages.upsert"},
        {"data": {}},
        {"event": "something.new", "data": {}},
        {"event": 42, "data": {}},
        {"event": "messages.upsert", "data": "oops"},
        {"event": "messages.upsert", "data": {"message": {"conversation": "sem key"}}},
        {"event": "messages.update", "data": {"status": "READ"}},
        {"event": "messages.update", "data": {"keyId": "3A", "status": "SHRUG"}},
        {"event": "messages.delete", "data": {}},
        {"event": "connection.update", "data": {"state": "sideways"}},
        {"event": "qrcode.updated", "data": {}},
    ],
)
def test_what_we_cannot_understand_is_an_unknown_payload(payload: dict[str, Any]) -> None:
    with pytest.raises(UnknownPayload):
        registry.parse("evolution", payload)


# --- never anything but UnknownPayload ------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
EVENT_NAMES = st.sampled_from(
    [
        "messages.upsert",
        "send.message",
        "MESSAGES_UPDATE",
        "messages.delete",
        "messages.edited",
        "connection.update",
        "qrcode.updated",
        "logout.instance",
        "presence.update",
        "unheard.of",
    ]
)
FIELD_NAMES = st.sampled_from(
    [
        "key",
        "message",
        "messageTimestamp",
        "pushName",
        "keyId",
        "status",
        "state",
        "qrcode",
        "statusReason",
        "contextInfo",
        "remoteJid",
        "remoteJidAlt",
        "fromMe",
        "id",
        "type",
        "conversation",
        "extendedTextMessage",
        "imageMessage",
        "audioMessage",
        "ephemeralMessage",
        "protocolMessage",
        "reactionMessage",
        "fileLength",
        "participant",
        "senderPn",
        "low",
        "high",
        "unsigned",
        "ptt",
        "caption",
        "mimetype",
        "text",
        "stanzaId",
        "base64",
    ]
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "5521998765432@s.whatsapp.net",
            CUSTOMER_LID,
            "1@g.us",
            "status@broadcast",
            "REVOKE",
            "READ",
            "DELETED",
            "open",
            "close",
            "1762175742",
        ]
    )
)
# Objects built from the field names Evolution uses, so the fuzzing reaches deep branches.
SHAPED = st.recursive(
    LEAVES,
    lambda kids: st.dictionaries(FIELD_NAMES, kids, max_size=6) | st.lists(kids, max_size=3),
    max_leaves=40,
)
KEYS = st.fixed_dictionaries(
    {},
    optional={
        "remoteJid": LEAVES,
        "remoteJidAlt": LEAVES,
        "fromMe": LEAVES,
        "id": LEAVES,
        "participant": LEAVES,
        "participantAlt": LEAVES,
        "senderPn": LEAVES,
    },
)
MESSAGE_DATA = st.fixed_dictionaries(
    {"key": KEYS},
    optional={
        "message": st.dictionaries(FIELD_NAMES, SHAPED, max_size=3),
        "messageTimestamp": SHAPED,
        "pushName": LEAVES,
        "contextInfo": SHAPED,
    },
)


def _raises_only_unknown_payload(parser: Any, payload: Any) -> None:
    try:
        events = parser(payload)
    except UnknownPayload:
        return
    assert isinstance(events, list)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=12), JSON, max_size=6))
def test_arbitrary_json_raises_nothing_but_unknown_payload(payload: dict[str, Any]) -> None:
    _raises_only_unknown_payload(lambda p: registry.parse("evolution", p), payload)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    EVENT_NAMES,
    SHAPED | MESSAGE_DATA,
    st.sampled_from([None, "2025-11-03T10:15:42.317Z", "garbage"]),
)
def test_evolution_shaped_json_never_escapes_as_another_error(
    event: str, data: Any, date_time: str | None
) -> None:
    # Straight to the adapter: a pydantic ValidationError would be a bug here even
    # though the registry would have turned it into UnknownPayload.
    payload = {"event": event, "data": data, "date_time": date_time, "sender": OWNER_JID}
    _raises_only_unknown_payload(parse, payload)


# --- places, cards and lengths -------------------------------------------------------


def test_a_shared_location_is_a_place_with_its_name_and_address() -> None:
    message = only(parse(load("messages.upsert-location.json")), InboundMessage)
    assert message.kind == "location"
    assert message.text == "-22.9711,-43.1822"  # the description the chat already showed
    assert message.location == Location(
        latitude=-22.9711, longitude=-43.1822, name="Loja Copacabana",
        address="Av. Nossa Senhora de Copacabana, 500 - Rio de Janeiro - RJ")


def test_a_location_off_the_globe_is_no_place() -> None:
    payload = load("messages.upsert-location.json")
    payload["data"]["message"]["locationMessage"]["degreesLatitude"] = 123.0
    message = only(parse(payload), InboundMessage)
    assert message.kind == "location" and message.location is None


def test_a_shared_contact_card_gives_its_name_and_number_as_written() -> None:
    message = only(parse(load("messages.upsert-contact.json")), InboundMessage)
    assert (message.kind, message.text) == ("contact", "Carlos Souza")
    assert message.shared_contacts == [
        SharedContact(name="Carlos Souza", phones=["+55 21 98765-0001"])]


def test_several_shared_cards_keep_each_name_and_number() -> None:
    message = only(parse(load("messages.upsert-contacts-array.json")), InboundMessage)
    assert message.text == "Carlos Souza, Oficina do Zé"
    assert [(c.name, c.phones) for c in message.shared_contacts] == [
        ("Carlos Souza", ["+55 21 98765-0001"]), ("Oficina do Zé", ["+55 21 91234-0002"])]


def test_a_voice_note_knows_its_length_in_seconds() -> None:
    message = only(parse(load("messages.upsert-audio.json")), InboundMessage)
    assert message.media.duration == 7.0


def test_a_kept_body_loses_the_file_and_thumbnails_but_not_the_facts() -> None:
    payload = load("messages.upsert-image.json")
    payload["data"]["message"]["base64"] = "/9j/4AAQSkZJRgABAQ=="
    payload["data"]["message"]["imageMessage"]["jpegThumbnail"] = "/9j/thumb"
    assert scrub_media(payload) is True
    assert "/9j/" not in json.dumps(payload)
    message = only(parse(payload), InboundMessage)
    assert message.media.inline_base64 is None and message.media.mimetype == "image/jpeg"
    assert scrub_media(payload) is False
    assert scrub_media(load("messages.upsert-text.json")) is False
