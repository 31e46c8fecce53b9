"""The Cloud API adapter keeps its promises on Meta's real webhook bodies."""

import contextlib
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ponte.engines import cloudapi, registry
from ponte.engines.events import (
    Ignored,
    InboundMessage,
    Location,
    Revoked,
    SharedContact,
    StatusUpdate,
    UnknownPayload,
)
from ponte.identity import canonicalize
from tests.support import fixtures_dir

FIXTURES = fixtures_dir()
CLOUDAPI = FIXTURES / "cloudapi"
REST_SAMPLES = {"send-text.request.json", "send-text.response.json"}
WEBHOOKS = sorted(p.name for p in CLOUDAPI.glob("*.json") if p.name not in REST_SAMPLES)
FOREIGN = sorted(
    p for engine in ("wppconnect", "evolution") for p in (FIXTURES / engine).glob("*.json")
)

# What each stored body must become: (event type, kind or status).
EXPECTED = {
    "text.json": (InboundMessage, "text"),
    "image.json": (InboundMessage, "image"),
    "audio-voice.json": (InboundMessage, "voice"),
    "document.json": (InboundMessage, "document"),
    "location.json": (InboundMessage, "location"),
    "contacts.json": (InboundMessage, "contact"),
    "reaction.json": (InboundMessage, "reaction"),
    "status-sent.json": (StatusUpdate, "sent"),
    "status-delivered.json": (StatusUpdate, "delivered"),
    "status-read.json": (StatusUpdate, "read"),
    "status-failed.json": (StatusUpdate, "failed"),
}


def load(name: str) -> dict[str, Any]:
    return json.loads((CLOUDAPI / name).read_text(encoding="utf-8"))


def only_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The first message object of a body, for tests that tweak one field."""
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]


def only_status(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["entry"][0]["changes"][0]["value"]["statuses"][0]


def parse_one(payload: dict[str, Any]) -> Any:
    events = registry.parse("cloudapi", payload)
    assert len(events) == 1
    return events[0]


def test_every_webhook_fixture_has_an_expectation() -> None:
    assert set(WEBHOOKS) == set(EXPECTED)


@pytest.mark.parametrize("name", WEBHOOKS)
def test_each_webhook_fixture_gives_one_event_of_its_kind(name: str) -> None:
    event_type, kind = EXPECTED[name]
    event = parse_one(load(name))
    assert isinstance(event, event_type)
    assert (event.kind if isinstance(event, InboundMessage) else event.status) == kind


@pytest.mark.parametrize("name", [n for n in WEBHOOKS if EXPECTED[n][0] is InboundMessage])
def test_inbound_message_comes_from_the_sender_with_profile_name(name: str) -> None:
    payload = load(name)
    message = parse_one(payload)
    raw = only_message(payload)
    assert message.chat == message.sender
    assert message.sender == canonicalize(raw["from"] + "@s.whatsapp.net")
    assert message.from_me is False
    assert message.engine_message_id == raw["id"]
    assert message.timestamp == datetime.fromtimestamp(int(raw["timestamp"]), tz=UTC)
    assert message.timestamp.tzinfo is not None
    assert message.push_name == "Sheena Nelson" if name == "text.json" else "Test Name"


def test_text_message_carries_its_body() -> None:
    message = parse_one(load("text.json"))
    assert (message.sender.kind, message.sender.e164) == ("user", "+16505551234")
    assert message.sender.wa_user == "16505551234"
    assert message.text == "Does it come in another color?"
    assert message.timestamp == datetime(2025, 6, 8, 20, 59, 43, tzinfo=UTC)
    assert message.media is None


def test_push_name_belongs_only_to_the_matching_wa_id() -> None:
    payload = load("text.json")
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "15550000000"
    assert parse_one(payload).push_name is None


def test_image_points_at_the_media_id() -> None:
    message = parse_one(load("image.json"))
    assert message.media.mimetype == "image/jpeg"
    assert message.media.engine_reference == "65463453"
    assert message.caption == ""


def test_image_with_url_and_caption_keeps_the_caption_and_the_lasting_media_id() -> None:
    payload = load("image.json")
    only_message(payload)["image"] |= {"caption": "the blue one", "url": "https://lookaside.example/x"}
    message = parse_one(payload)
    assert message.caption == "the blue one"
    # The URL expires within minutes; the id gets a fresh one.
    assert message.media.engine_reference == "65463453"


def test_image_with_only_a_url_keeps_the_url() -> None:
    payload = load("image.json")
    only_message(payload)["image"] = {"mime_type": "image/jpeg", "url": "https://lookaside.example/x"}
    assert parse_one(payload).media.engine_reference == "https://lookaside.example/x"


def test_recorded_voice_note_is_voice_and_other_audio_is_audio() -> None:
    payload = load("audio-voice.json")
    voice = parse_one(payload)
    assert voice.kind == "voice"
    assert voice.media.mimetype == "audio/ogg; codecs=opus"
    only_message(payload)["audio"]["voice"] = False
    assert parse_one(payload).kind == "audio"


def test_document_keeps_filename_and_caption() -> None:
    message = parse_one(load("document.json"))
    assert message.media.filename == "filename.pdf"
    assert message.media.mimetype == "application/pdf"
    assert message.caption == "caption"


@pytest.mark.parametrize("name", ["document.json", "location.json"])
def test_forwarded_message_is_not_a_quote(name: str) -> None:
    assert parse_one(load(name)).quoted_engine_message_id is None


def test_reply_quotes_the_context_message() -> None:
    payload = load("text.json")
    only_message(payload)["context"] = {"from": "15550783881", "id": "wamid.original"}
    assert parse_one(payload).quoted_engine_message_id == "wamid.original"


def test_location_reads_as_coordinates_and_name() -> None:
    assert parse_one(load("location.json")).text == "37.4611978,-122.2164385 Facebook HQ"


def test_reaction_carries_the_emoji_and_the_reacted_message() -> None:
    message = parse_one(load("reaction.json"))
    assert message.text == "😮"
    assert message.quoted_engine_message_id == "wamid.yzxyzx="


def test_removed_reaction_has_an_empty_emoji() -> None:
    payload = load("reaction.json")
    only_message(payload)["reaction"]["emoji"] = ""
    message = parse_one(payload)
    assert (message.kind, message.text) == ("reaction", "")


@pytest.mark.parametrize(
    ("type_", "body", "text"),
    [
        ("interactive", {"type": "button_reply", "button_reply": {"id": "b1", "title": "Yes"}},
         "Yes"),
        ("interactive", {"type": "list_reply",
                         "list_reply": {"id": "r2", "title": "Blue", "description": "d"}}, "Blue"),
        ("button", {"payload": "STOP", "text": "Stop promotions"}, "Stop promotions"),
    ],
)
def test_button_and_list_replies_read_as_the_tapped_title(
    type_: str, body: dict[str, Any], text: str
) -> None:
    payload = load("text.json")
    message = only_message(payload)
    del message["text"]
    message |= {"type": type_, type_: body}
    event = parse_one(payload)
    assert (event.kind, event.text) == ("text", text)


def test_shared_contact_is_a_contact_named_by_its_card() -> None:
    payload = load("text.json")
    message = only_message(payload)
    del message["text"]
    message |= {"type": "contacts", "contacts": [
        {"name": {"formatted_name": "Ana Souza", "first_name": "Ana"},
         "phones": [{"phone": "+55 31 98888-7777", "wa_id": "5531988887777"}]},
    ]}
    event = parse_one(payload)
    assert (event.kind, event.text) == ("contact", "Ana Souza")


@pytest.mark.parametrize("name", ["video", "sticker"])
def test_video_and_sticker_are_media(name: str) -> None:
    payload = load("image.json")
    message = only_message(payload)
    message[name] = message.pop("image") | {"mime_type": "video/mp4" if name == "video"
                                            else "image/webp"}
    message["type"] = name
    event = parse_one(payload)
    assert event.kind == name
    assert event.media.engine_reference == "65463453"


def test_unsupported_message_with_errors_is_still_kept_as_unknown() -> None:
    payload = load("text.json")
    message = only_message(payload)
    del message["text"]
    message |= {"type": "unsupported", "errors": [
        {"code": 131051, "title": "Message type unknown", "message": "Message type unknown"},
    ]}
    event = parse_one(payload)
    assert isinstance(event, InboundMessage)
    assert event.kind == "unknown"


def test_errors_on_any_message_make_it_unknown() -> None:
    payload = load("image.json")
    only_message(payload)["errors"] = [{"code": 131052, "title": "Media download error"}]
    event = parse_one(payload)
    assert (event.kind, event.media) == ("unknown", None)


def test_new_message_types_are_unknown_not_errors() -> None:
    payload = load("text.json")
    only_message(payload)["type"] = "order"
    assert parse_one(payload).kind == "unknown"


def test_wa_id_without_ninth_digit_gets_the_canonical_phone() -> None:
    payload = load("text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = "553188887777"
    value["messages"][0]["from"] = "553188887777"
    message = parse_one(payload)
    assert message.sender.e164 == "+5531988887777"
    assert message.sender.wa_user == "553188887777"
    assert message.push_name == "Sheena Nelson"


def test_failed_status_carries_the_error() -> None:
    status = parse_one(load("status-failed.json"))
    assert status.engine_message_id == "wamid.xyzxyz"
    assert "User's number is part of an experiment" in status.error
    assert "130472" in status.error


@pytest.mark.parametrize("name", ["status-sent.json", "status-delivered.json", "status-read.json"])
def test_successful_status_has_no_error_and_needs_no_pricing(name: str) -> None:
    payload = load(name)
    status = only_status(payload)
    status.pop("conversation")
    status.pop("pricing")
    event = parse_one(payload)
    assert event.error is None
    assert event.engine_message_id == "wamid.xyzxyz"


def test_deleted_status_is_a_revocation() -> None:
    payload = load("status-read.json")
    only_status(payload)["status"] = "deleted"
    assert parse_one(payload) == Revoked(engine_message_id="wamid.xyzxyz")


def test_unknown_status_is_ignored_with_a_reason() -> None:
    payload = load("status-read.json")
    only_status(payload)["status"] = "warning"
    event = parse_one(payload)
    assert isinstance(event, Ignored)
    assert "warning" in event.reason


def test_several_entries_and_changes_give_one_event_each() -> None:
    names = ["text.json", "status-sent.json", "image.json", "status-failed.json"]
    bodies = [load(n) for n in names]
    first, second = bodies[0]["entry"][0], bodies[2]["entry"][0]
    first["changes"] += bodies[1]["entry"][0]["changes"]
    second["changes"] += bodies[3]["entry"][0]["changes"]
    payload = {"object": "whatsapp_business_account", "entry": [first, second]}
    events = registry.parse("cloudapi", payload)
    assert [type(e) for e in events] == [InboundMessage, StatusUpdate, InboundMessage,
                                         StatusUpdate]
    assert [getattr(e, "kind", None) or e.status for e in events] == [
        "text", "sent", "image", "failed"]


def test_several_messages_and_statuses_in_one_change_keep_their_order() -> None:
    payload = load("text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    second = copy.deepcopy(value["messages"][0]) | {"id": "wamid.second"}
    value["messages"].append(second)
    statuses = [only_status(load(n)) for n in ("status-sent.json", "status-delivered.json")]
    value["statuses"] = statuses
    events = registry.parse("cloudapi", payload)
    assert [e.engine_message_id for e in events][:2] == [
        value["messages"][0]["id"], "wamid.second"]
    assert [e.status for e in events[2:]] == ["sent", "delivered"]


def test_other_webhook_fields_are_ignored_with_a_reason() -> None:
    payload = load("text.json")
    payload["entry"][0]["changes"].append(
        {"field": "message_template_status_update", "value": {"event": "APPROVED"}})
    events = registry.parse("cloudapi", payload)
    assert isinstance(events[0], InboundMessage)
    assert isinstance(events[1], Ignored)
    assert "message_template_status_update" in events[1].reason


def test_messages_change_with_only_errors_is_ignored_with_the_error() -> None:
    payload = load("text.json")
    payload["entry"][0]["changes"][0]["value"] = {
        "messaging_product": "whatsapp",
        "errors": [{"code": 131000, "title": "Something went wrong"}],
    }
    event = parse_one(payload)
    assert isinstance(event, Ignored)
    assert "131000" in event.reason


@pytest.mark.parametrize("path", FOREIGN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_engines_bodies_are_unknown_payloads(path: Path) -> None:
    with pytest.raises(UnknownPayload):
        registry.parse("cloudapi", json.loads(path.read_text(encoding="utf-8")))


def _break(payload: dict[str, Any], how: str) -> None:
    message = only_message(payload)
    if how == "object":
        payload["object"] = "page"
    elif how == "entry":
        payload["entry"] = {"id": "1"}
    elif how == "changes":
        del payload["entry"][0]["changes"]
    elif how == "field":
        del payload["entry"][0]["changes"][0]["field"]
    elif how == "value":
        payload["entry"][0]["changes"][0]["value"] = []
    elif how == "id":
        del message["id"]
    elif how == "from":
        message["from"] = 16505551234
    elif how == "timestamp":
        message["timestamp"] = "yesterday"
    elif how == "huge-timestamp":
        message["timestamp"] = "9" * 30


@pytest.mark.parametrize(
    "how",
    ["object", "entry", "changes", "field", "value", "id", "from", "timestamp", "huge-timestamp"],
)
def test_broken_cloud_api_body_is_an_unknown_payload_from_the_adapter_itself(how: str) -> None:
    payload = load("text.json")
    _break(payload, how)
    with pytest.raises(UnknownPayload):
        cloudapi.parse(payload)


SIGNED_HEADER = "sha256=a0b920aa238bb2b2ae8a520acc96012071f452329ab312b098e170cea71e3ba5"
SECRET = "test-app-secret"


def test_signature_of_the_documented_vector_is_accepted() -> None:
    body = (CLOUDAPI / "text.json").read_bytes()
    assert len(body) == 985
    assert cloudapi.verify_signature(body, SIGNED_HEADER, SECRET)


def test_signature_hex_case_does_not_matter() -> None:
    body = (CLOUDAPI / "text.json").read_bytes()
    header = "sha256=" + SIGNED_HEADER.removeprefix("sha256=").upper()
    assert cloudapi.verify_signature(body, header, SECRET)


def test_signature_over_a_changed_body_or_wrong_secret_is_refused() -> None:
    body = (CLOUDAPI / "text.json").read_bytes()
    assert not cloudapi.verify_signature(body.replace(b"color", b"colour"), SIGNED_HEADER, SECRET)
    assert not cloudapi.verify_signature(body, SIGNED_HEADER, "another-secret")
    assert not cloudapi.verify_signature(body, SIGNED_HEADER, "")


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=" + "a" * 40, SIGNED_HEADER.removeprefix("sha256="),
     SIGNED_HEADER[:-2], "sha256=" + "z" * 64, "sha256=" + "é" * 64],
)
def test_missing_or_malformed_signature_is_refused(header: str | None) -> None:
    body = (CLOUDAPI / "text.json").read_bytes()
    assert cloudapi.verify_signature(body, header, SECRET) is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=5))
def test_arbitrary_json_raises_nothing_but_unknown_payload(payload: dict[str, Any]) -> None:
    with contextlib.suppress(UnknownPayload):
        registry.parse("cloudapi", payload)


# Bodies shaped like Cloud API posts, with arbitrary values where Meta puts its own,
# so the fuzzing reaches the message and status parsers rather than stopping at `object`.
_keys = st.sampled_from(["from", "id", "timestamp", "type", "text", "image", "audio", "context",
                         "errors", "reaction", "interactive", "location", "contacts", "status",
                         "voice", "emoji", "title", "button_reply", "body", "url", "name"])
_shaped = st.recursive(
    json_values, lambda inner: st.dictionaries(_keys, inner, max_size=6) | st.lists(inner,
                                                                                    max_size=3),
    max_leaves=25,
)


@settings(max_examples=300)
@given(
    messages=st.lists(_shaped, max_size=3),
    statuses=st.lists(_shaped, max_size=3),
    contacts=_shaped,
    field=st.sampled_from(["messages", "account_update"]) | json_values,
)
def test_cloud_api_shaped_garbage_raises_only_unknown_payload_from_the_adapter(
    messages: list[Any], statuses: list[Any], contacts: Any, field: Any
) -> None:
    payload = {"object": "whatsapp_business_account", "entry": [{"changes": [{
        "field": field,
        "value": {"messages": messages, "statuses": statuses, "contacts": contacts},
    }]}]}
    try:
        events = cloudapi.parse(payload)
    except UnknownPayload:
        return
    assert all(e.type for e in events)


def test_a_chosen_location_is_a_place_and_a_current_one_only_coordinates() -> None:
    place = parse_one(load("location.json")).location
    assert place == Location(latitude=37.4611978, longitude=-122.2164385, name="Facebook HQ",
                             address="1 Hacker Way, Menlo Park, CA 94025")
    payload = load("location.json")
    only_message(payload)["location"] = {"latitude": 12.25089, "longitude": 43.90539}
    assert parse_one(payload).location == Location(latitude=12.25089, longitude=43.90539)


def test_shared_cards_keep_each_name_and_the_phone_as_written() -> None:
    message = parse_one(load("contacts.json"))
    assert message.text == "Chandler Bing, Monica, Rachel Green"
    assert message.shared_contacts == [
        SharedContact(name="Chandler Bing", phones=["+1 555-555-5555"]),
        SharedContact(name="Monica", phones=["+1 666-666-6666"]),
        SharedContact(name="Rachel Green", phones=["+1 777-777-7777"])]


def test_a_card_phone_without_its_written_form_is_its_wa_id() -> None:
    payload = load("contacts.json")
    only_message(payload)["contacts"] = [{"name": {"formatted_name": "Ana"},
                                          "phones": [{"wa_id": "5531988887777"}, "junk"]},
                                         "junk"]
    [card] = parse_one(payload).shared_contacts
    assert (card.name, card.phones) == ("Ana", ["+5531988887777"])


def test_media_has_no_length_and_a_body_no_file_to_scrub() -> None:
    voice = parse_one(load("audio-voice.json"))
    assert voice.kind == "voice" and voice.media.duration is None
    assert voice.media.inline_base64 is None
    payload = load("audio-voice.json")
    assert registry.adapter_for("cloudapi").scrub_media(payload) is False
    assert payload == load("audio-voice.json")
