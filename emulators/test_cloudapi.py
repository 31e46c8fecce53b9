"""The Cloud API emulator answers and posts back the way Meta's fixtures show."""

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulators.base import WebhookSink, sample_ogg_opus, sample_pdf, sample_png
from emulators.cloudapi import Emulator
from ponte.engines import cloudapi, registry
from ponte.engines.events import StatusUpdate
from tests.support import fixtures_dir

CLOUDAPI = fixtures_dir() / "cloudapi"
TOKEN = "EAAtest-token-123"
PHONE_ID = "106540352242922"
APP_SECRET = "test-app-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def load(name: str) -> dict[str, Any]:
    return json.loads((CLOUDAPI / name).read_text(encoding="utf-8"))


@pytest.fixture
def emulator(webhook_sink: WebhookSink) -> Iterator[Emulator]:
    with Emulator(secrets=[TOKEN], phone_number_id=PHONE_ID, webhook_url=webhook_sink.url,
                  app_secret=APP_SECRET) as running:
        yield running


def post(emulator: Emulator, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
         **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{emulator.base_url}{path}", json=body,
                      headers=AUTH if headers is None else headers, **kwargs)


def shape(value: Any) -> Any:
    """A body's structure without its values: keys, nesting and value types."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def decode_wamid(message_id: str) -> bytes:
    raw = message_id.removeprefix("wamid.")
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def test_fixture_send_request_gets_the_fixture_response_shape(emulator: Emulator) -> None:
    request = load("send-text.request.json")
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert shape(body) == shape(load("send-text.response.json"))
    assert body["contacts"] == [{"input": "+16505551234", "wa_id": "16505551234"}]
    assert emulator.delivered == [{
        "to": "+16505551234", "wa_id": "16505551234", "type": "text",
        "text": request["text"]["body"], "media": None, "callback_data": None,
        "engine_message_id": body["messages"][0]["id"]}]


def test_message_ids_are_laid_out_like_metas_wamid(emulator: Emulator) -> None:
    ours = post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json")).json()
    theirs = load("send-text.response.json")["messages"][0]["id"]
    mine = ours["messages"][0]["id"]
    assert mine.startswith("wamid.")
    assert decode_wamid(mine)[:3] == decode_wamid(theirs)[:3] == b"\x1c\x18\x0b"
    assert b"16505551234" in decode_wamid(mine)
    assert decode_wamid(mine)[-22:-19] == decode_wamid(theirs)[-22:-19]


def test_registered_mapping_decides_the_resolved_wa_id(emulator: Emulator) -> None:
    emulator.registered["5531987654321"] = "553187654321"
    body = {"messaging_product": "whatsapp", "to": "5531987654321", "type": "text",
            "text": {"body": "oi"}}
    answer = post(emulator, f"/v21.0/{PHONE_ID}/messages", body).json()
    assert answer["contacts"] == [{"input": "5531987654321", "wa_id": "553187654321"}]
    assert emulator.delivered[0]["wa_id"] == "553187654321"


@pytest.mark.parametrize(("headers", "code"), [({}, 104), ({"Authorization": "Bearer nope"}, 190)])
def test_missing_or_wrong_token_is_a_graph_oauth_error(
    emulator: Emulator, headers: dict[str, str], code: int
) -> None:
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json"),
                    headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('OAuth "Facebook Platform"')
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("OAuthException", code)
    assert set(error) >= {"message", "type", "code", "fbtrace_id"}
    assert emulator.delivered == []


def test_revoked_token_stops_working(emulator: Emulator) -> None:
    emulator.accepted_secrets.remove(TOKEN)
    response = httpx.get(f"{emulator.base_url}/v21.0/{PHONE_ID}", headers=AUTH)
    assert (response.status_code, response.json()["error"]["code"]) == (401, 190)


def test_scripted_504_answers_a_graph_error_and_delivers_nothing(emulator: Emulator) -> None:
    emulator.fail_next("send_text", status=504, times=2)
    path, body = f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json")
    for _ in range(2):
        response = post(emulator, path, body)
        assert response.status_code == 504
        assert response.json()["error"]["is_transient"] is True
    assert emulator.delivered == []
    assert post(emulator, path, body).status_code == 200
    assert len(emulator.delivered) == 1
    assert len(emulator.requests) == 3


@pytest.mark.parametrize(
    ("status", "code", "subcode"),
    [(429, 80007, None), (503, 131016, None), (400, 131030, 2655007), (400, 131026, None)],
)
def test_scripted_errors_carry_their_graph_code(
    emulator: Emulator, status: int, code: int, subcode: int | None
) -> None:
    emulator.fail_next("send_text", status=status, code=code)
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json"))
    error = response.json()["error"]
    assert (response.status_code, error["code"], error.get("error_subcode")) == (
        status, code, subcode)
    assert f"#{code}" in error["message"]


def test_check_number_cannot_be_scripted_because_the_cloud_api_has_no_such_call(
    emulator: Emulator,
) -> None:
    with pytest.raises(ValueError, match="no contacts check"):
        emulator.fail_next("check_number")


def test_recipient_outside_a_test_numbers_allowed_list_is_131030(emulator: Emulator) -> None:
    emulator.allowed_recipients = {"16505551234"}
    body = load("send-text.request.json") | {"to": "5531988887777"}
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, 131030)
    assert emulator.delivered == []


@pytest.mark.parametrize(
    "body",
    [{"to": "1", "type": "text", "text": {"body": "x"}},
     {"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}},
     {"messaging_product": "whatsapp", "to": "1", "type": "text", "text": {}},
     {"messaging_product": "whatsapp", "to": "1", "type": "image", "image": {"id": "404"}},
     {"messaging_product": "whatsapp", "to": "1", "type": ["text"]},
     None],
)
def test_invalid_send_is_a_100_invalid_parameter(emulator: Emulator, body: Any) -> None:
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)
    assert emulator.delivered == []


def test_another_phone_number_id_is_an_unsupported_request(emulator: Emulator) -> None:
    response = post(emulator, "/v21.0/999/messages", load("send-text.request.json"))
    error = response.json()["error"]
    assert (response.status_code, error["type"], error["code"], error["error_subcode"]) == (
        400, "GraphMethodException", 100, 33)


def test_phone_number_node_answers_requested_fields(emulator: Emulator) -> None:
    url = f"{emulator.base_url}/v21.0/{PHONE_ID}"
    full = httpx.get(url, headers=AUTH).json()
    assert full["id"] == PHONE_ID
    assert full["platform_type"] == "CLOUD_API"
    emulator.phone_status = "DISCONNECTED"
    asked = httpx.get(url, headers=AUTH, params={"fields": "status"}).json()
    assert asked == {"status": "DISCONNECTED", "id": PHONE_ID}


def test_upload_then_send_by_media_id_delivers_the_file(emulator: Emulator) -> None:
    data = bytes(range(256)) * 4
    upload = httpx.post(f"{emulator.base_url}/v21.0/{PHONE_ID}/media", headers=AUTH,
                        data={"messaging_product": "whatsapp", "type": "application/pdf"},
                        files={"file": ("nota.pdf", data, "application/pdf")})
    assert upload.status_code == 200
    media_id = upload.json()["id"]
    assert media_id.isdigit()
    assert emulator.uploads[media_id].data == data
    body = {"messaging_product": "whatsapp", "to": "16505551234", "type": "document",
            "document": {"id": media_id, "filename": "nota.pdf", "caption": "sua nota"}}
    assert post(emulator, f"/v21.0/{PHONE_ID}/messages", body).status_code == 200
    media = emulator.delivered[0]["media"]
    assert (media["kind"], media["id"], media["mime_type"], media["size"]) == (
        "document", media_id, "application/pdf", len(data))


def test_upload_without_a_file_is_refused(emulator: Emulator) -> None:
    response = httpx.post(f"{emulator.base_url}/v21.0/{PHONE_ID}/media", headers=AUTH,
                          data={"messaging_product": "whatsapp", "type": "image/png"},
                          files={"other": ("x", b"x", "image/png")})
    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


def test_accepted_send_posts_signed_status_webhooks_shaped_like_the_fixtures(
    emulator: Emulator, webhook_sink: WebhookSink
) -> None:
    emulator.auto_ack = True
    answer = post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json")).json()
    message_id = answer["messages"][0]["id"]
    assert len(webhook_sink.wait_for(3)) == 3
    for received, status in zip(webhook_sink.posts, ["sent", "delivered", "read"], strict=True):
        assert cloudapi.verify_signature(received.raw, received.headers["x-hub-signature-256"],
                                         APP_SECRET)
        body = json.loads(received.raw)
        assert shape(body) == shape(load(f"status-{status}.json"))
        assert registry.parse("cloudapi", body) == [
            StatusUpdate(engine_message_id=message_id, status=status)]
        assert body["entry"][0]["changes"][0]["value"]["statuses"][0]["recipient_id"] == (
            "16505551234")


def test_callback_data_of_a_send_comes_back_in_its_statuses(
    emulator: Emulator, webhook_sink: WebhookSink
) -> None:
    body = load("send-text.request.json") | {"biz_opaque_callback_data": "outbound-7"}
    post(emulator, f"/v21.0/{PHONE_ID}/messages", body)
    posted, = webhook_sink.wait_for(1)
    status = posted["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["biz_opaque_callback_data"] == "outbound-7"
    assert emulator.delivered[0]["callback_data"] == "outbound-7"


def test_failed_delivery_posts_a_failed_status_like_the_fixture(
    emulator: Emulator, webhook_sink: WebhookSink
) -> None:
    emulator.fail_delivery(code=130472)
    post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json"))
    body, = webhook_sink.wait_for(1)
    assert shape(body) == shape(load("status-failed.json"))
    event, = registry.parse("cloudapi", body)
    assert event.status == "failed"
    assert event.error == "User's number is part of an experiment (130472)"


def test_number_not_on_whatsapp_is_accepted_then_fails(
    emulator: Emulator, webhook_sink: WebhookSink
) -> None:
    emulator.registered["5511900000000"] = None
    body = load("send-text.request.json") | {"to": "5511900000000"}
    assert post(emulator, f"/v21.0/{PHONE_ID}/messages", body).status_code == 200
    posted, = webhook_sink.wait_for(1)
    event, = registry.parse("cloudapi", posted)
    assert (event.status, "131026" in event.error) == ("failed", True)


def test_injected_webhook_arrives_signed_over_its_exact_bytes(
    emulator: Emulator, webhook_sink: WebhookSink
) -> None:
    assert emulator.post_webhook(load("text.json")) == 200
    webhook_sink.wait_for(1)
    received, = webhook_sink.posts
    assert json.loads(received.raw) == load("text.json")
    assert cloudapi.verify_signature(received.raw, received.headers["x-hub-signature-256"],
                                     APP_SECRET)
    assert received.headers["content-type"] == "application/json"


def test_inbound_text_parses_as_the_customers_message(
    emulator: Emulator, webhook_sink: WebhookSink
) -> None:
    message_id = emulator.receive_text("553188887777", "Tem na cor azul?", push_name="Ana")
    posted, = webhook_sink.wait_for(1)
    event, = registry.parse("cloudapi", posted)
    assert (event.engine_message_id, event.text, event.push_name) == (
        message_id, "Tem na cor azul?", "Ana")
    assert event.sender.e164 == "+5531988887777"


def test_unreachable_webhook_url_does_not_break_the_emulator(emulator: Emulator) -> None:
    with WebhookSink() as gone:
        url = gone.url
    emulator.webhook_url = url
    path, body = f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json")
    assert post(emulator, path, body).status_code == 200
    assert emulator.wait_for_webhooks()
    assert emulator.webhooks[-1]["status"] is None
    assert post(emulator, path, body).status_code == 200


def test_hang_delivers_first_and_answers_late(emulator: Emulator) -> None:
    emulator.hang_next("send_text", 0.3)
    started = time.perf_counter()
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json"))
    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 200
    assert len(emulator.delivered) == 1


def test_hang_without_delivery_ends_in_a_504(emulator: Emulator) -> None:
    emulator.hang_next("send_text", 0.1, deliver=False)
    response = post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json"))
    assert response.status_code == 504
    assert emulator.delivered == []


def test_latency_slows_every_answer(emulator: Emulator) -> None:
    emulator.latency = 0.2
    started = time.perf_counter()
    httpx.get(f"{emulator.base_url}/v21.0/{PHONE_ID}", headers=AUTH)
    assert time.perf_counter() - started >= 0.2


def test_stopped_emulator_refuses_connections_and_can_start_again() -> None:
    emulator = Emulator(secrets=[TOKEN], phone_number_id=PHONE_ID).start()
    url = f"{emulator.base_url}/v21.0/{PHONE_ID}"
    emulator.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, headers=AUTH)
    emulator.start()
    try:
        assert httpx.get(f"{emulator.base_url}/v21.0/{PHONE_ID}", headers=AUTH).status_code == 200
    finally:
        emulator.stop()


def test_requests_are_recorded_with_lowercase_headers_and_json(emulator: Emulator) -> None:
    post(emulator, f"/v21.0/{PHONE_ID}/messages", load("send-text.request.json"))
    recorded, = emulator.requests
    assert (recorded.method, recorded.path) == ("POST", f"/v21.0/{PHONE_ID}/messages")
    assert recorded.headers["authorization"] == f"Bearer {TOKEN}"
    assert recorded.json == load("send-text.request.json")


# Media


def get(emulator: Emulator, url: str, *, headers: dict[str, str] | None = None,
        **params: str) -> httpx.Response:
    target = url if url.startswith("http") else f"{emulator.base_url}{url}"
    return httpx.get(target, headers=AUTH if headers is None else headers, params=params or None)


def test_a_customers_voice_note_is_posted_like_the_fixture_and_served_by_its_media_id(
        emulator: Emulator, webhook_sink: WebhookSink) -> None:
    voice = sample_ogg_opus(2.0)
    message_id = emulator.receive_media("5531987654321", voice, kind="voice")
    assert emulator.wait_for_webhooks()
    body = webhook_sink.bodies[-1]
    assert shape(body) == shape(load("audio-voice.json"))
    audio = body["entry"][0]["changes"][0]["value"]["messages"][0]["audio"]
    assert audio["voice"] is True and audio["mime_type"] == "audio/ogg; codecs=opus"
    message = cloudapi.parse(body)[0]
    assert (message.engine_message_id, message.kind) == (message_id, "voice")
    assert message.media.engine_reference == audio["id"]

    metadata = get(emulator, f"/v21.0/{audio['id']}", phone_number_id=PHONE_ID)
    assert metadata.status_code == 200
    info = metadata.json()
    assert (info["mime_type"], info["file_size"], info["id"]) == (
        "audio/ogg; codecs=opus", len(voice), audio["id"])
    assert info["url"].startswith(f"{emulator.base_url}/whatsapp_business/attachments/?mid=")
    served = get(emulator, info["url"])
    assert served.status_code == 200 and served.content == voice
    assert served.headers["content-type"] == "audio/ogg; codecs=opus"
    assert get(emulator, info["url"], headers={}).status_code == 401


def test_download_urls_expire_and_a_fresh_one_works(emulator: Emulator,
                                                    webhook_sink: WebhookSink) -> None:
    photo = sample_png("c")
    emulator.receive_media("5531987654321", photo, kind="image", caption="a azul",
                           with_url=True)
    assert emulator.wait_for_webhooks()
    image = webhook_sink.bodies[-1]["entry"][0]["changes"][0]["value"]["messages"][0]["image"]
    assert image["caption"] == "a azul" and get(emulator, image["url"]).content == photo
    emulator.expire_media_urls()
    assert get(emulator, image["url"]).status_code == 404
    fresh = get(emulator, f"/v21.0/{image['id']}").json()["url"]
    assert get(emulator, fresh).content == photo


def test_media_meta_dropped_is_graphs_no_such_object(emulator: Emulator,
                                                      webhook_sink: WebhookSink) -> None:
    message_id = emulator.receive_media("5531987654321", sample_pdf(), kind="document",
                                        filename="nota.pdf")
    assert emulator.wait_for_webhooks()
    document = webhook_sink.bodies[-1]["entry"][0]["changes"][0]["value"]["messages"][0]
    assert document["document"]["filename"] == "nota.pdf"
    url = get(emulator, f"/v21.0/{document['document']['id']}").json()["url"]
    emulator.expire_media(message_id)
    answer = get(emulator, f"/v21.0/{document['document']['id']}")
    error = answer.json()["error"]
    assert (answer.status_code, error["code"], error["error_subcode"]) == (400, 100, 33)
    assert get(emulator, url).status_code == 404


def test_media_sends_record_the_uploaded_bytes_and_the_voice_flag(emulator: Emulator) -> None:
    voice = sample_ogg_opus(1.0)
    upload = httpx.post(f"{emulator.base_url}/v21.0/{PHONE_ID}/media", headers=AUTH,
                        data={"messaging_product": "whatsapp", "type": "audio/ogg"},
                        files={"file": ("voz.ogg", voice, "audio/ogg")})
    media_id = upload.json()["id"]
    for part in ({"id": media_id, "voice": True}, {"link": "https://cdn.example/a.mp3"}):
        answer = post(emulator, f"/v21.0/{PHONE_ID}/messages",
                      {"messaging_product": "whatsapp", "to": "5531987654321",
                       "type": "audio", "audio": part})
        assert answer.status_code == 200
    voice_note, plain = emulator.media_sends
    assert (voice_note.kind, voice_note.voice, voice_note.data) == ("voice", True, voice)
    assert (plain.kind, plain.voice, plain.data, plain.url) == (
        "audio", False, None, "https://cdn.example/a.mp3")
    # What we uploaded is served back by its id, as Meta does.
    assert get(emulator, get(emulator, f"/v21.0/{media_id}").json()["url"]).content == voice


def test_shared_places_and_cards_are_posted_like_the_fixtures(
        emulator: Emulator, webhook_sink: WebhookSink) -> None:
    emulator.receive_location("5531987654321", 37.4611978, -122.2164385, name="Facebook HQ",
                              address="1 Hacker Way, Menlo Park, CA 94025")
    emulator.receive_contacts("5531987654321", [("Chandler Bing", ["+1 555-555-5555"])])
    assert emulator.wait_for_webhooks()
    place, card = (cloudapi.parse(b)[0] for b in webhook_sink.bodies[-2:])
    fixture_place = load("location.json")["entry"][0]["changes"][0]["value"]["messages"][0]
    assert place.location == cloudapi.parse(load("location.json"))[0].location
    assert fixture_place["location"]["name"] == place.location.name
    assert card.shared_contacts == cloudapi.parse(load("contacts.json"))[0].shared_contacts[:1]
