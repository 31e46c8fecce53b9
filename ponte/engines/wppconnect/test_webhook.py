"""WPPConnect webhook bodies, real and constructed, parsed into canonical events."""

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponte.engines import registry, wppconnect
from ponte.engines.events import (
    Event,
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
from ponte.engines.wppconnect import webhook as wppconnect_webhook
from tests.support import fixtures_dir

FIXTURES = fixtures_dir()
FOLDER = FIXTURES / "wppconnect"
CAPTURED = FOLDER / "captured" / "webhooks"


def _is_webhook(path: Path) -> bool:
    # rest-* are REST answers and socket-* a socket.io frame, not webhook posts.
    return not path.name.startswith(("rest-", "socket-"))


WEBHOOK_FILES = sorted(p for p in FOLDER.glob("*.json") if _is_webhook(p))
CAPTURED_FILES = sorted(CAPTURED.glob("*.json"))
NOT_WEBHOOK_FILES = sorted(p for p in FOLDER.glob("*.json") if not _is_webhook(p))


def load(path: Path | str) -> dict[str, Any]:
    """A webhook body; the captured files wrap the body the server posted."""
    path = FOLDER / path if isinstance(path, str) else path
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["body"] if path.parent == CAPTURED else data


def only(events: list[Event], kind: type) -> Any:
    assert len(events) == 1 and isinstance(events[0], kind), events
    return events[0]


ALL_BODIES = [load(p) for p in WEBHOOK_FILES + CAPTURED_FILES]
ids = [p.name for p in WEBHOOK_FILES + CAPTURED_FILES]

# What each real or constructed body means to Ponte, by event type.
EXPECTED = {
    "closesession.json": ["session"],
    "incomingcall.json": ["ignored"],
    "logoutsession.json": ["session"],
    "onack.json": ["status"],
    "onmessage-group-text-quoted.json": ["message"],
    "onmessage-image-group.json": ["message"],
    "onmessage-lid.json": ["message"],
    "onmessage-location.json": ["message"],
    "onmessage-multi-vcard.json": ["message"],
    "onmessage-ptt.json": ["message"],
    "onmessage-text.json": ["message"],
    "onmessage-vcard.json": ["message"],
    "onparticipantschanged.json": ["ignored"],
    "onpollresponse.json": ["ignored"],
    "onpresencechanged.json": ["ignored"],
    "onreactionmessage.json": ["message"],
    "onrevokedmessage.json": ["revoked"],
    "onselfmessage.json": ["message"],
    "phonecode.json": ["ignored"],
    "qrcode.json": ["session"],
    "status-find.json": ["session"],
}


# -- every fixture ---------------------------------------------------------------


def test_fixture_folders_are_found():
    assert WEBHOOK_FILES and CAPTURED_FILES, f"no fixtures under {FOLDER}"


@pytest.mark.parametrize("body", ALL_BODIES, ids=ids)
def test_every_webhook_fixture_parses_without_raising(body):
    events = wppconnect.parse(body)
    assert events and all(isinstance(event, Event) for event in events)
    assert registry.parse("wppconnect", body) == events


@pytest.mark.parametrize("path", WEBHOOK_FILES, ids=lambda p: p.name)
def test_each_fixture_gives_the_events_it_means(path):
    assert [event.type for event in wppconnect.parse(load(path))] == EXPECTED[path.name]


@pytest.mark.parametrize("path", CAPTURED_FILES, ids=lambda p: p.name)
def test_captured_browser_close_reports_a_disconnected_session(path):
    update = only(wppconnect.parse(load(path)), SessionUpdate)
    assert (update.state, update.reason) == ("disconnected", "browserClose")


@pytest.mark.parametrize("path", NOT_WEBHOOK_FILES, ids=lambda p: p.name)
def test_rest_answers_and_socket_frames_are_not_webhooks(path):
    with pytest.raises(UnknownPayload):
        wppconnect.parse(load(path))


# -- messages ----------------------------------------------------------------------


def test_customer_text_message_becomes_an_inbound_message():
    message = only(wppconnect.parse(load("onmessage-text.json")), InboundMessage)
    assert message.engine_message_id == "9C5C3ECFC0EE9FD6DAA911DC25097AD4"
    assert message.chat.e164 == message.sender.e164 == "+5548999990001"
    assert message.from_me is False
    assert message.kind == "text"
    assert message.text == "Olá, quero mais informações"
    assert message.timestamp == datetime(2023, 12, 4, 19, 18, 7, tzinfo=UTC)
    assert message.push_name == "Maria Exemplo"
    assert message.media is None and message.quoted_engine_message_id is None


def test_group_message_keeps_the_group_as_chat_and_the_author_as_sender():
    message = only(wppconnect.parse(load("onmessage-group-text-quoted.json")), InboundMessage)
    assert message.chat.kind == "group"
    assert message.sender.e164 == "+5548999990013"
    assert message.engine_message_id == "3EB0B56D66FE04DAF32FB8"


@pytest.mark.parametrize(
    "quote",
    [
        {"quotedMsgId": "false_120363000000000002@g.us_5996A78679BCAA11FAE29256F419A7E2_5548@c.us"},
        {"quotedStanzaID": "5996A78679BCAA11FAE29256F419A7E2"},
        {"quotedMsg": {"id": {"id": "5996A78679BCAA11FAE29256F419A7E2", "fromMe": False}}},
    ],
    ids=["serialized", "stanza", "quoted-object"],
)
def test_quoted_message_id_is_normalised_like_the_message_id(quote):
    body = load("onmessage-text.json") | quote
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.quoted_engine_message_id == "5996A78679BCAA11FAE29256F419A7E2"


def test_self_message_is_ours_in_the_customers_chat():
    message = only(wppconnect.parse(load("onselfmessage.json")), InboundMessage)
    assert message.from_me is True
    assert message.chat.e164 == "+5548999990015"
    assert message.sender.e164 == "+5548999990010"  # the device suffix :66 is gone
    assert message.push_name is None  # the operator's name must not name the lead


def test_any_message_without_from_me_field_trusts_the_id_prefix():
    body = load("onselfmessage.json") | {"event": "onanymessage"}
    del body["fromMe"], body["chatId"]
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.from_me is True
    assert message.chat.e164 == "+5548999990015"


def test_ciphertext_delivery_is_ignored():
    body = load("onmessage-text.json") | {"type": "ciphertext", "body": "", "content": ""}
    assert wppconnect.parse(body) == [Ignored(reason="ciphertext")]


def test_decrypted_redelivery_after_ciphertext_is_the_same_message():
    body = load("onmessage-text.json")
    first = wppconnect.parse(body | {"type": "ciphertext"})
    second = only(wppconnect.parse(body), InboundMessage)
    assert isinstance(first[0], Ignored)
    assert second.engine_message_id == "9C5C3ECFC0EE9FD6DAA911DC25097AD4"


MEDIA_TYPES = [
    ("image", "image", "image/jpeg"),
    ("video", "video", "video/mp4"),
    ("ptt", "voice", "audio/ogg; codecs=opus"),
    ("audio", "audio", "audio/mpeg"),
    ("document", "document", "application/pdf"),
    ("sticker", "sticker", "image/webp"),
]


@pytest.mark.parametrize(("wa_type", "kind", "mimetype"), MEDIA_TYPES)
def test_base64_media_body_never_becomes_text(wa_type, kind, mimetype):
    file = bytes(range(256)) * 4
    encoded = base64.b64encode(file).decode()
    body = load("onmessage-text.json") | {
        "type": wa_type, "body": encoded, "content": encoded, "mimetype": mimetype,
        "size": len(file), "caption": "segue o arquivo", "filename": "pedido.pdf",
    }
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.kind == kind
    assert message.text == ""
    assert message.caption == "segue o arquivo"
    assert message.media is not None
    assert message.media.mimetype == mimetype
    assert message.media.size == len(file)
    assert message.media.filename == "pedido.pdf"
    # autoDownload put the whole file in the body: it travels to the download queue,
    # never into what the message keeps.
    assert message.media.inline_base64 == encoded
    assert encoded not in json.dumps(message.media.facts())
    assert message.media.engine_reference == body["id"]


def test_thumbnail_body_is_no_file_and_the_message_key_finds_it():
    body = load("onmessage-image-group.json")
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.kind == "image" and message.text == "" and message.caption == ""
    assert message.media is not None
    assert message.media.mimetype == "image/jpeg" and message.media.size == 87674
    assert message.media.inline_base64 is None, "a 10-byte thumbnail is not the file"
    # The full key, participant included: what download-media looks the message up by.
    assert message.media.engine_reference == body["id"]


def test_s3_file_url_is_not_fetched_the_message_key_is_the_reference():
    body = load("onmessage-image-group.json") | {"fileUrl": "https://bucket.s3.amazonaws.com/a.jpeg"}
    media = only(wppconnect.parse(body), InboundMessage).media
    assert media.engine_reference == body["id"] and media.inline_base64 is None


def test_media_without_size_or_url_is_the_whole_file():
    body = load("onmessage-image-group.json")
    del body["size"], body["deprecatedMms3Url"]
    media = only(wppconnect.parse(body), InboundMessage).media
    assert media is not None and media.inline_base64 == body["body"] and media.size is None


@pytest.mark.parametrize(
    ("wa_type", "kind"),
    [
        ("chat", "text"), ("location", "location"), ("vcard", "contact"),
        ("multi_vcard", "contact"), ("poll_creation", "unknown"), ("order", "unknown"),
    ],
)
def test_whatsapp_types_map_to_message_kinds(wa_type, kind):
    body = load("onmessage-text.json") | {"type": wa_type}
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.kind == kind
    if kind == "unknown":
        assert message.text == ""  # an unknown body may be base64; never shown as text


def test_location_text_is_the_place_not_the_thumbnail():
    body = load("onmessage-text.json") | {
        "type": "location", "body": "/9j/4AAQSkZJRg==", "lat": -27.59, "lng": -48.54,
        "loc": "Loja Centro",
    }
    assert only(wppconnect.parse(body), InboundMessage).text == "-27.59,-48.54 Loja Centro"


def test_shared_contacts_are_named():
    card = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:João Cliente\n"
        "TEL;waid=5548999990020:+55 48 99999-0020\nEND:VCARD"
    )
    single = load("onmessage-text.json") | {"type": "vcard", "body": card}
    several = load("onmessage-text.json") | {
        "type": "multi_vcard", "body": "",
        "vcardList": [{"displayName": "Ana", "vcard": card}, {"vcard": card}, "junk"],
    }
    assert only(wppconnect.parse(single), InboundMessage).text == "João Cliente"
    assert only(wppconnect.parse(several), InboundMessage).text == "Ana, João Cliente"


@pytest.mark.parametrize("wa_type", ["e2e_notification", "gp2", "notification_template"])
def test_whatsapp_system_rows_are_ignored(wa_type):
    body = load("onmessage-text.json") | {"type": wa_type}
    assert isinstance(only(wppconnect.parse(body), Ignored), Ignored)


def test_status_and_newsletter_posts_are_kept_for_the_privacy_filter():
    status = load("onmessage-image-group.json") | {
        "id": "false_status@broadcast_255EDD12C7A0452B6163F93360823FE6_554899990011@c.us",
        "from": "status@broadcast", "chatId": "status@broadcast",
        "author": "554899990011@c.us", "isGroupMsg": False,
    }
    newsletter = load("onmessage-text.json") | {
        "id": "false_120363000000000099@newsletter_ABCDEF", "from": "120363000000000099@newsletter",
        "chatId": "120363000000000099@newsletter",
    }
    status_message = only(wppconnect.parse(status), InboundMessage)
    assert status_message.chat.kind == "status"
    assert status_message.sender.e164 == "+5548999990011"
    assert status_message.engine_message_id == "255EDD12C7A0452B6163F93360823FE6"
    assert only(wppconnect.parse(newsletter), InboundMessage).chat.kind == "newsletter"


def test_lid_sender_keeps_a_lid_chat_when_no_phone_is_revealed():
    message = only(wppconnect.parse(load("onmessage-lid.json")), InboundMessage)
    assert message.chat.kind == message.sender.kind == "lid"
    assert message.chat.wa_user == "276974622781686"
    assert message.alternate is None
    assert message.engine_message_id == "3AE7951B92607B7B73F8"


@pytest.mark.parametrize(
    "phone", ["5511988880001@c.us", {"server": "c.us", "_serialized": "5511988880001@c.us"}]
)
def test_lid_sender_with_revealed_phone_links_the_two(phone):
    body = load("onmessage-lid.json")
    body["sender"]["phoneNumber"] = phone
    link, message = wppconnect.parse(body)
    assert isinstance(link, IdentityLink) and isinstance(message, InboundMessage)
    assert link.lid == message.chat and link.lid.kind == "lid"
    assert link.phone.e164 == "+5511988880001"
    assert message.alternate == link.phone


def test_group_member_behind_a_lid_is_linked_without_touching_the_group_chat():
    body = load("onmessage-group-text-quoted.json") | {"author": "276974622781686@lid"}
    body["sender"] |= {"id": "276974622781686@lid", "phoneNumber": "5511988880001@c.us"}
    link, message = wppconnect.parse(body)
    assert isinstance(link, IdentityLink) and link.lid == message.sender
    assert message.chat.kind == "group" and message.alternate is None


def test_message_with_only_the_essential_fields_still_parses():
    full = load("onmessage-text.json")
    body = {key: full[key] for key in ("event", "id", "type", "t", "from", "body")}
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.chat.e164 == "+5548999990001" and message.text == full["body"]
    assert message.push_name is None


@pytest.mark.parametrize("null_field", ["sender", "chatId", "notifyName", "quotedMsg", "caption"])
def test_null_fields_are_the_same_as_absent_ones(null_field):
    body = load("onmessage-group-text-quoted.json") | {null_field: None}
    assert isinstance(only(wppconnect.parse(body), InboundMessage), InboundMessage)


@pytest.mark.parametrize("change", [{"id": None}, {"t": None, "timestamp": None}, {"t": "soon"}])
def test_message_without_id_or_time_is_not_understood(change):
    with pytest.raises(UnknownPayload):
        wppconnect.parse(load("onmessage-text.json") | change)


def test_message_kept_by_the_engine_as_revoked_is_a_revocation():
    body = load("onmessage-text.json") | {"type": "revoked", "body": ""}
    assert wppconnect.parse(body) == [Revoked(engine_message_id="9C5C3ECFC0EE9FD6DAA911DC25097AD4")]


# -- acks, revokes, reactions --------------------------------------------------------------


def test_ack_and_message_share_one_engine_message_id():
    message = only(wppconnect.parse(load("onmessage-text.json")), InboundMessage)
    serialized = load("onmessage-text.json")["id"]
    as_object = {"fromMe": False, "remote": "554899990001@c.us",
                 "id": "9C5C3ECFC0EE9FD6DAA911DC25097AD4", "_serialized": serialized}
    for key in (serialized, as_object, {"_serialized": serialized}):
        ack = only(wppconnect.parse({"event": "onack", "id": key, "ack": 2}), StatusUpdate)
        assert ack.engine_message_id == message.engine_message_id
    revoke = {"event": "onrevokedmessage", "refId": serialized, "id": "false_x@c.us_OTHER"}
    assert only(wppconnect.parse(revoke), Revoked).engine_message_id == message.engine_message_id


def test_group_ack_drops_the_participant_like_the_group_message():
    message = only(wppconnect.parse(load("onmessage-group-text-quoted.json")), InboundMessage)
    key = {"fromMe": False, "remote": "120363000000000002@g.us", "id": "3EB0B56D66FE04DAF32FB8",
           "participant": "554899990013@c.us",
           "_serialized": load("onmessage-group-text-quoted.json")["id"]}
    ack = only(wppconnect.parse({"event": "onack", "id": key, "ack": 3}), StatusUpdate)
    assert ack.engine_message_id == message.engine_message_id


def test_sent_message_answer_and_its_self_echo_share_one_id():
    sent = json.loads((FOLDER / "rest-send-file.json").read_text())["response"][0]["id"]
    echo = load("onselfmessage.json") | {"id": sent}
    message = only(wppconnect.parse(echo), InboundMessage)
    ack = only(wppconnect.parse({"event": "onack", "id": sent, "ack": 1}), StatusUpdate)
    assert message.engine_message_id == ack.engine_message_id == "3EB0D1E2F3A4B5C6D7E8F9"


@pytest.mark.parametrize(
    ("ack", "status"),
    [(-1, "failed"), (1, "sent"), (2, "delivered"), (3, "read"), (4, "played")],
)
def test_ack_numbers_map_to_delivery_statuses(ack, status):
    update = only(wppconnect.parse(load("onack.json") | {"ack": ack}), StatusUpdate)
    assert update.status == status
    assert update.engine_message_id == "3EB024BA372599959E38"
    assert (update.error is not None) == (status == "failed")


@pytest.mark.parametrize("ack", [0, 7])
def test_pending_and_unheard_of_acks_are_ignored(ack):
    assert isinstance(only(wppconnect.parse(load("onack.json") | {"ack": ack}), Ignored), Ignored)


@pytest.mark.parametrize("change", [{"ack": None}, {"ack": "3"}, {"id": None}, {"id": {}}])
def test_ack_without_id_or_number_is_not_understood(change):
    with pytest.raises(UnknownPayload):
        wppconnect.parse(load("onack.json") | change)


def test_revoked_message_names_the_deleted_message_not_the_notice():
    revoked = only(wppconnect.parse(load("onrevokedmessage.json")), Revoked)
    assert revoked.engine_message_id == "3A1B2C3D4E5F60718293"


def test_reaction_is_a_reaction_message_quoting_its_target():
    reaction = only(wppconnect.parse(load("onreactionmessage.json")), InboundMessage)
    assert reaction.kind == "reaction" and reaction.text == "👍"
    assert reaction.quoted_engine_message_id == "3EB0C1D2E3F4A5B6C7D8E9"
    assert reaction.sender.e164 == "+5548999990001"
    # reaction timestamps are milliseconds
    assert reaction.timestamp == datetime(2024, 5, 28, 12, 50, 0, 123000, tzinfo=UTC)


def test_removed_reaction_has_empty_text():
    body = load("onreactionmessage.json") | {"reactionText": ""}
    assert only(wppconnect.parse(body), InboundMessage).text == ""


def test_our_own_reaction_is_ignored_for_want_of_a_sender():
    body = load("onreactionmessage.json")
    body["id"] = body["id"] | {"fromMe": True}
    assert isinstance(only(wppconnect.parse(body), Ignored), Ignored)


# -- session --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("initBrowser", "starting"), ("openBrowser", "starting"), ("initWhatsapp", "starting"),
        ("successPageWhatsapp", "starting"), ("waitForLogin", "starting"),
        ("waitChat", "starting"), ("isLogged", "starting"), ("qrReadSuccess", "starting"),
        ("inChat", "connected"), ("successChat", "connected"),
        ("notLogged", "notlogged"), ("qrReadFail", "notlogged"), ("qrReadError", "notlogged"),
        ("autocloseCalled", "notlogged"), ("deleteToken", "notlogged"),
        ("browserClose", "disconnected"), ("serverClose", "disconnected"),
        ("desconnectedMobile", "disconnected"), ("disconnectedMobile", "disconnected"),
        ("phoneNotConnected", "disconnected"),
    ],
)
def test_status_find_values_map_to_session_states(status, state):
    update = only(wppconnect.parse(load("status-find.json") | {"status": status}), SessionUpdate)
    assert (update.state, update.reason) == (state, status)


def test_status_find_without_session_key_from_old_servers_still_parses():
    update = only(wppconnect.parse({"event": "status-find", "status": "inChat"}), SessionUpdate)
    assert update.state == "connected"


@pytest.mark.parametrize("status", [None, "", "somethingNew"])
def test_unknown_status_find_value_is_not_understood(status):
    with pytest.raises(UnknownPayload):
        wppconnect.parse({"event": "status-find", "status": status})


def test_qrcode_event_carries_a_displayable_qr():
    update = only(wppconnect.parse(load("qrcode.json")), SessionUpdate)
    assert update.state == "qrcode"
    assert update.qr == "data:image/png;base64," + load("qrcode.json")["qrcode"]


def test_qrcode_event_without_image_still_says_qrcode():
    update = only(wppconnect.parse({"event": "qrcode", "qrcode": None}), SessionUpdate)
    assert (update.state, update.qr) == ("qrcode", None)


def test_close_and_logout_end_the_session():
    closed = only(wppconnect.parse(load("closesession.json")), SessionUpdate)
    logged_out = only(wppconnect.parse(load("logoutsession.json")), SessionUpdate)
    assert closed.state == "disconnected" and logged_out.state == "notlogged"


@pytest.mark.parametrize(
    "name",
    ["phonecode.json", "onpresencechanged.json", "onparticipantschanged.json",
     "incomingcall.json", "onpollresponse.json"],
)
def test_known_side_events_are_ignored_with_a_reason(name):
    ignored = only(wppconnect.parse(load(name)), Ignored)
    assert load(name)["event"] in ignored.reason


# -- what we do not understand ---------------------------------------------------------


def test_unknown_event_raises_unknown_payload():
    with pytest.raises(UnknownPayload):
        wppconnect.parse({"event": "onsomethingnew", "session": "NERDWHATS_AMERICA"})


@pytest.mark.parametrize(
    "body", [{}, {"session": "x"}, {"event": None}, {"event": 3}, {"event": ""}]
)
def test_body_without_an_event_raises_unknown_payload(body):
    with pytest.raises(UnknownPayload):
        wppconnect.parse(body)


# -- robustness ------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=16,
)
EVENT_NAMES = sorted({body["event"] for body in ALL_BODIES} | {"onanymessage", "unreadmessages"})
FIELD_NAMES = sorted(
    {key for body in ALL_BODIES for key in body}
    | {"fileUrl", "caption", "filename", "quotedMsgId", "lat", "lng", "vcardList", "refId"}
)
field_names = st.sampled_from(FIELD_NAMES) | st.text(max_size=10)
id_like = st.sampled_from(
    ["false_554899990001@c.us_ABC", "true_1@g.us_ABC_2@c.us", "_", "__", "true__", "x"]
) | st.fixed_dictionaries({}, optional={"_serialized": json_values, "id": json_values,
                                        "fromMe": json_values, "remote": json_values})


def _only_unknown_payload(call, payload) -> None:
    try:
        events = call(payload)
    except UnknownPayload:
        return
    assert isinstance(events, list)
    assert all(isinstance(event, Event) for event in events)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        json_values,
        st.builds(
            lambda event, rest: {"event": event, **rest},
            st.sampled_from(EVENT_NAMES) | json_values,
            st.dictionaries(field_names, json_values | id_like, max_size=10),
        ),
    )
)
def test_arbitrary_json_raises_nothing_but_unknown_payload(payload):
    _only_unknown_payload(lambda body: registry.parse("wppconnect", body), payload)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(ALL_BODIES),
    dropped=st.sets(st.sampled_from(FIELD_NAMES), max_size=8),
    replaced=st.dictionaries(st.sampled_from(FIELD_NAMES), json_values | id_like, max_size=6),
)
def test_mangled_fixtures_raise_nothing_but_unknown_payload(base, dropped, replaced):
    body = copy.deepcopy(base)
    for key in dropped:
        body.pop(key, None)
    body.update(replaced)
    _only_unknown_payload(wppconnect.parse, body)


# -- places, cards, voice notes --------------------------------------------------------


def test_a_shared_location_is_a_place_with_its_name_and_address():
    message = only(wppconnect.parse(load("onmessage-location.json")), InboundMessage)
    assert message.kind == "location" and message.media is None
    assert message.location == Location(
        latitude=-23.5613, longitude=-46.6565, name="Loja Paulista",
        address="Av. Paulista, 1000 - Bela Vista, São Paulo - SP")
    assert message.text.startswith("-23.5613,-46.6565 Loja Paulista")


def test_a_location_with_only_a_label_or_no_coordinates():
    body = load("onmessage-location.json") | {"loc": "Centro"}
    place = only(wppconnect.parse(body), InboundMessage).location
    assert (place.name, place.address) == ("Centro", "")
    body = load("onmessage-location.json") | {"lat": None}
    assert only(wppconnect.parse(body), InboundMessage).location is None


def test_a_contact_card_gives_its_name_and_number_as_written():
    message = only(wppconnect.parse(load("onmessage-vcard.json")), InboundMessage)
    assert (message.kind, message.text) == ("contact", "João Exemplo")
    assert message.shared_contacts == [
        SharedContact(name="João Exemplo", phones=["+55 48 99999-0002"])]


def test_several_cards_keep_every_number_each_one_lists():
    message = only(wppconnect.parse(load("onmessage-multi-vcard.json")), InboundMessage)
    assert [(c.name, c.phones) for c in message.shared_contacts] == [
        ("João Exemplo", ["+55 48 99999-0002"]),
        ("Ana Loja", ["+55 11 97777-0003", "(11) 3333-0004"])]


def test_a_card_line_without_a_written_number_falls_back_to_its_whatsapp_id():
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Sem Número\nTEL;waid=5548999990099:\nEND:VCARD"
    body = load("onmessage-vcard.json") | {"body": card, "vcardFormattedName": ""}
    [contact] = only(wppconnect.parse(body), InboundMessage).shared_contacts
    assert (contact.name, contact.phones) == ("Sem Número", ["+5548999990099"])


def test_a_voice_note_with_auto_download_carries_the_file_and_its_length():
    body = load("onmessage-ptt.json")
    message = only(wppconnect.parse(body), InboundMessage)
    assert (message.kind, message.media.mimetype, message.media.duration) == (
        "voice", "audio/ogg; codecs=opus", 4.0)
    assert base64.b64decode(message.media.inline_base64)[:4] == b"OggS"
    assert message.media.engine_reference == body["id"]
    assert "duration" in message.media.facts() and "inline_base64" not in message.media.facts()


@pytest.mark.parametrize(("raw", "seconds"), [("4", 4.0), (7, 7.0), (2.5, 2.5), ("x", None),
                                              (-1, None), (True, None), (None, None)])
def test_a_duration_is_read_whichever_way_it_is_written(raw, seconds):
    body = load("onmessage-ptt.json") | {"duration": raw}
    assert only(wppconnect.parse(body), InboundMessage).media.duration == seconds


def test_a_kept_body_loses_the_file_but_keeps_what_finds_it_again():
    body = load("onmessage-ptt.json")
    assert wppconnect_webhook.scrub_media(body) is True
    assert (body["body"], body["content"]) == ("", "")
    message = only(wppconnect.parse(body), InboundMessage)
    assert message.media.inline_base64 is None
    assert message.media.engine_reference == body["id"] and message.media.duration == 4.0
    assert wppconnect_webhook.scrub_media(body) is False
    text = load("onmessage-text.json")
    assert wppconnect_webhook.scrub_media(text) is False and text["body"]
