"""The Evolution emulator answers like the real server in the fixtures, over real HTTP."""

import base64
import copy
import json
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulators.base import WebhookSink, sample_ogg_opus, sample_pdf, sample_png
from emulators.evolution import Emulator
from ponte.engines.events import InboundMessage, SessionUpdate, StatusUpdate
from ponte.engines.evolution import parse
from tests.support import fixtures_dir

EVOLUTION = fixtures_dir() / "evolution"
REST_FILES = sorted(p.name for p in EVOLUTION.glob("rest.*.json"))
KEY = "global-apikey-for-tests"
HEADERS = {"apikey": KEY}


def load(name: str) -> Any:
    return json.loads((EVOLUTION / name).read_text())


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(secrets=[KEY]) as server:
        yield server


def call(server: Emulator, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.request(method, server.base_url + path, json=body,
                         headers=HEADERS if headers is None else headers, timeout=5)


def without(body: dict[str, Any], *paths: str) -> dict[str, Any]:
    """A copy without the generated values named by dotted paths."""
    trimmed = copy.deepcopy(body)
    for path in paths:
        *parents, last = path.split(".")
        holder = trimmed
        for part in parents:
            holder = holder[part]
        holder.pop(last, None)
    return trimmed


# --- replaying the REST fixtures -----------------------------------------------------


def replay_create(webhook_sink: WebhookSink) -> tuple[httpx.Response, dict[str, Any]]:
    """instance/create as in the fixture, its webhook pointed at our webhook_sink."""
    request = load("rest.instance.create.request.json")
    request["webhook"]["url"] = webhook_sink.url
    with Emulator(secrets=[KEY], instance=None) as server:
        created = call(server, "POST", "/instance/create", request)
        connected = call(server, "GET", "/instance/connect/crm-main",
                          headers={"apikey": request["token"]})
    return created, connected.json() | {"_status": connected.status_code}


def check_create_request(webhook_sink: WebhookSink) -> None:
    created, _ = replay_create(webhook_sink)
    assert created.status_code == 201


def check_create_response(webhook_sink: WebhookSink) -> None:
    created, _ = replay_create(webhook_sink)
    expected = load("rest.instance.create.response.json")
    expected["webhook"]["webhookUrl"] = webhook_sink.url
    generated = ("instance.instanceId", "qrcode.code", "qrcode.base64")
    assert without(created.json(), *generated) == without(expected, *generated)
    assert created.json()["qrcode"]["base64"].startswith("data:image/png;base64,")


def check_connect_response(webhook_sink: WebhookSink) -> None:
    _, connected = replay_create(webhook_sink)
    expected = load("rest.instance.connect.response.json")
    assert connected.pop("_status") == 200
    assert connected.keys() == expected.keys()
    assert connected["pairingCode"] is None
    assert connected["code"].startswith("2@")
    assert connected["base64"].startswith("data:image/png;base64,")
    assert isinstance(connected["count"], int) and connected["count"] >= 1


def check_connection_state_response(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], state="open") as server:
        answer = call(server, "GET", "/instance/connectionState/crm-main")
    assert answer.status_code == 200
    assert answer.json() == load("rest.instance.connectionState.response.json")


def check_send_text(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY]) as server:
        answer = call(server, "POST", "/message/sendText/crm-main",
                      load("rest.sendText.request.json"))
    assert answer.status_code == 201
    generated = ("key.id", "messageTimestamp", "instanceId")
    assert without(answer.json(), *generated) == without(
        load("rest.sendText.response.json"), *generated)
    assert len(answer.json()["key"]["id"]) == 22 and answer.json()["key"]["id"].startswith("3EB0")


def check_webhook_set(webhook_sink: WebhookSink) -> None:
    request = load("rest.webhook.set.request.json")
    request["webhook"]["url"] = webhook_sink.url
    with Emulator(secrets=[KEY]) as server:
        answer = call(server, "POST", "/webhook/set/crm-main", request)
    assert answer.status_code == 201
    record = answer.json()
    assert record["url"] == webhook_sink.url and record["enabled"] is True
    assert record["events"] == request["webhook"]["events"]
    assert record["headers"] == request["webhook"]["headers"]


def check_not_on_whatsapp(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], registered=set()) as server:
        answer = call(server, "POST", "/message/sendText/crm-main",
                      load("rest.sendText.request.json"))
        assert server.delivered == []
    assert answer.status_code == 400
    assert answer.json() == load("rest.error.400-not-on-whatsapp.json")


def check_validation(webhook_sink: WebhookSink) -> None:
    request = load("rest.sendText.request.json")
    del request["text"]
    with Emulator(secrets=[KEY]) as server:
        answer = call(server, "POST", "/message/sendText/crm-main", request)
    assert answer.status_code == 400
    assert answer.json() == load("rest.error.400-validation.json")


def check_unauthorized(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY]) as server:
        answer = call(server, "GET", "/instance/connectionState/crm-main",
                      headers={"apikey": "not-the-key"})
    assert answer.status_code == 401
    assert answer.json() == load("rest.error.401.json")


def check_unknown_instance(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], instance="another-shop") as server:
        answer = call(server, "GET", "/instance/connectionState/crm-main")
    assert answer.status_code == 404
    assert answer.json() == load("rest.error.404-instance.json")


REPLAYS: dict[str, Callable[[WebhookSink], None]] = {
    "rest.error.400-not-on-whatsapp.json": check_not_on_whatsapp,
    "rest.error.400-validation.json": check_validation,
    "rest.error.401.json": check_unauthorized,
    "rest.error.404-instance.json": check_unknown_instance,
    "rest.instance.connect.response.json": check_connect_response,
    "rest.instance.connectionState.response.json": check_connection_state_response,
    "rest.instance.create.request.json": check_create_request,
    "rest.instance.create.response.json": check_create_response,
    "rest.sendText.request.json": check_send_text,
    "rest.sendText.response.json": check_send_text,
    "rest.webhook.set.request.json": check_webhook_set,
}


def test_every_rest_fixture_has_a_replay() -> None:
    assert set(REST_FILES) == set(REPLAYS)


@pytest.mark.parametrize("name", REST_FILES)
def test_emulator_answers_like_the_rest_fixture(name: str, webhook_sink: WebhookSink) -> None:
    REPLAYS[name](webhook_sink)


# --- scripted failures ---------------------------------------------------------------


def send(server: Emulator, text: str = "Olá", number: str = "5521998765432",
         timeout: float = 5) -> httpx.Response:
    return httpx.post(f"{server.base_url}/message/sendText/{server.instance}", headers=HEADERS,
                      json={"number": number, "text": text}, timeout=timeout)


def test_gateway_timeout_answers_a_proxy_page_and_delivers_nothing(emulator: Emulator) -> None:
    emulator.fail_next("send_text", status=504, times=2)
    assert [send(emulator).status_code for _ in range(3)] == [504, 504, 201]
    assert len(emulator.delivered) == 1
    assert len(emulator.requests) == 3


def test_failure_with_an_engine_status_uses_evolution_error_shape(emulator: Emulator) -> None:
    emulator.fail_next("status", status=500)
    answer = call(emulator, "GET", "/instance/connectionState/crm-main")
    assert answer.status_code == 500
    assert answer.json() == {"status": 500, "error": "Internal Server Error",
                             "response": {"message": ["Error: Connection Closed"]}}


def test_hang_delivers_first_and_answers_late(emulator: Emulator) -> None:
    emulator.hang_next("send_text", seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        send(emulator, timeout=0.3)
    assert len(emulator.delivered) == 1
    assert send(emulator).status_code == 201  # the script was used up


def test_hang_without_delivery_ends_in_a_504_and_nothing_sent(emulator: Emulator) -> None:
    emulator.hang_next("send_text", seconds=0.2, deliver=False)
    started = time.monotonic()
    assert send(emulator).status_code == 504
    assert time.monotonic() - started >= 0.2
    assert emulator.delivered == []


def test_latency_slows_every_answer() -> None:
    with Emulator(secrets=[KEY], latency=0.3) as server:
        started = time.monotonic()
        call(server, "GET", "/instance/connectionState/crm-main")
        assert time.monotonic() - started >= 0.3


def test_token_failure_applies_to_the_next_call_whatever_it_is(emulator: Emulator) -> None:
    emulator.fail_next("token", status=401)
    assert call(emulator, "POST", "/chat/whatsappNumbers/crm-main",
                {"numbers": ["5521998765432"]}).status_code == 401
    assert call(emulator, "POST", "/chat/whatsappNumbers/crm-main",
                {"numbers": ["5521998765432"]}).status_code == 200


def test_only_the_accepted_apikeys_work(emulator: Emulator) -> None:
    emulator.accepted_secrets = ["alternate-2"]
    assert call(emulator, "GET", "/instance/connectionState/crm-main").status_code == 401
    answer = call(emulator, "GET", "/instance/connectionState/crm-main",
                  headers={"apikey": "alternate-2"})
    assert answer.status_code == 200
    assert call(emulator, "GET", "/instance/connectionState/crm-main",
                headers={}).status_code == 401


def test_unknown_operation_cannot_be_scripted(emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        emulator.fail_next("send_txt")


def test_stopped_emulator_refuses_connections_and_restarts_on_its_port() -> None:
    server = Emulator(secrets=[KEY]).start()
    url = server.base_url
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/instance/connectionState/crm-main", headers=HEADERS, timeout=1)
    server.start()
    try:
        assert server.base_url == url
        assert call(server, "GET", "/instance/connectionState/crm-main").status_code == 200
    finally:
        server.stop()


def test_unknown_route_answers_express_not_found(emulator: Emulator) -> None:
    answer = call(emulator, "GET", "/instance/nothing/crm-main")
    assert answer.status_code == 404
    assert answer.json()["error"] == "Not Found"


def test_every_request_is_recorded_with_headers_and_body(emulator: Emulator) -> None:
    send(emulator, text="registro")
    recorded = emulator.requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == "/message/sendText/crm-main"
    assert recorded.headers["apikey"] == KEY
    assert recorded.json == {"number": "5521998765432", "text": "registro"}


# --- numbers, messages, media --------------------------------------------------------


def test_number_check_finds_the_legacy_id_across_the_ninth_digit() -> None:
    with Emulator(secrets=[KEY], registered={"553187654321"}) as server:
        answer = call(server, "POST", "/chat/whatsappNumbers/crm-main",
                      {"numbers": ["5531987654321", "5521998765432"]})
    assert answer.json() == [
        {"jid": "553187654321@s.whatsapp.net", "exists": True, "number": "5531987654321"},
        {"jid": "5521998765432@s.whatsapp.net", "exists": False, "number": "5521998765432"},
    ]


def test_number_check_takes_an_explicit_mapping() -> None:
    with Emulator(secrets=[KEY], registered={"5531987654321": "553187654321"}) as server:
        answer = call(server, "POST", "/chat/whatsappNumbers/crm-main",
                      {"numbers": ["5531987654321"]})
    assert answer.json()[0]["jid"] == "553187654321@s.whatsapp.net"


def test_send_goes_to_the_id_whatsapp_knows() -> None:
    with Emulator(secrets=[KEY], registered={"553187654321"}) as server:
        answer = send(server, number="5531987654321")
        assert answer.json()["key"]["remoteJid"] == "553187654321@s.whatsapp.net"
        assert server.delivered[0]["to"] == "553187654321"


def test_sending_with_the_session_closed_is_a_500_and_not_delivered(emulator: Emulator) -> None:
    emulator.set_state("close", logged_out=True)
    answer = send(emulator)
    assert answer.status_code == 500
    assert answer.json()["response"]["message"] == ["Error: Connection Closed"]
    assert emulator.delivered == []


def test_find_messages_lists_the_chat_newest_first(emulator: Emulator) -> None:
    ids = [send(emulator, text=f"m{i}").json()["key"]["id"] for i in range(3)]
    send(emulator, number="5511912345678")
    answer = call(emulator, "POST", "/chat/findMessages/crm-main",
                  {"where": {"key": {"remoteJid": "5521998765432@s.whatsapp.net"}},
                   "page": 1, "offset": 2})
    page = answer.json()["messages"]
    assert (page["total"], page["pages"], page["currentPage"]) == (3, 2, 1)
    assert [r["key"]["id"] for r in page["records"]] == ids[::-1][:2]


def test_media_accepts_a_url_or_bare_base64_and_nothing_else(emulator: Emulator) -> None:
    path = "/message/sendMedia/crm-main"
    image = {"number": "5521998765432", "mediatype": "image", "mimetype": "image/png",
             "media": base64.b64encode(b"\x89PNG fake").decode(), "caption": "Foto"}
    assert call(emulator, "POST", path, image).json()["messageType"] == "imageMessage"
    document = {**image, "mediatype": "document", "media": "https://example.com/a.pdf",
                "mimetype": "application/pdf", "fileName": "a.pdf"}
    sent = call(emulator, "POST", path, document).json()
    assert sent["message"]["documentMessage"]["fileName"] == "a.pdf"
    bad = call(emulator, "POST", path, {**image, "media": "not base64 at all!"})
    assert bad.status_code == 400
    voice = call(emulator, "POST", "/message/sendWhatsAppAudio/crm-main",
                 {"number": "5521998765432", "audio": "https://example.com/v.ogg"}).json()
    assert voice["message"]["audioMessage"]["ptt"] is True
    assert [d["kind"] for d in emulator.delivered] == ["image", "document", "voice"]


# --- session states and QR codes -----------------------------------------------------


def png_is_valid(data_url: str) -> bytes:
    """Decode a PNG data URL, checking signature, chunk CRCs and the pixel stream."""
    png = base64.b64decode(data_url.removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset, pixels = 8, b""
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind, data = png[offset + 4:offset + 8], png[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + data)
        if kind == b"IHDR":
            width, height = struct.unpack(">II", data[:8])
        if kind == b"IDAT":
            pixels += data
        offset += 12 + length
    assert len(zlib.decompress(pixels)) == height * (width + 1)
    return png


def test_logout_then_connect_shows_a_fresh_valid_qr_each_time(emulator: Emulator) -> None:
    assert call(emulator, "DELETE", "/instance/logout/crm-main").status_code == 200
    state = call(emulator, "GET", "/instance/connectionState/crm-main").json()
    assert state["instance"]["state"] == "close"
    first = call(emulator, "GET", "/instance/connect/crm-main").json()
    again = call(emulator, "GET", "/instance/connect/crm-main").json()
    assert again["base64"] == first["base64"]  # still pairing: the same code
    restarted = call(emulator, "POST", "/instance/restart/crm-main").json()
    assert restarted == {"instance": {"instanceName": "crm-main", "status": "connecting"}}
    second = call(emulator, "GET", "/instance/connect/crm-main").json()
    assert png_is_valid(first["base64"]) != png_is_valid(second["base64"])
    emulator.scan_qr()
    assert call(emulator, "GET", "/instance/connect/crm-main").json() == {
        "instance": {"instanceName": "crm-main", "state": "open"}}


def test_logout_or_restart_of_a_closed_instance_says_not_connected(emulator: Emulator) -> None:
    emulator.set_state("close", logged_out=True)
    logout = call(emulator, "DELETE", "/instance/logout/crm-main")
    assert logout.status_code == 400
    assert logout.json()["response"]["message"] == ['The "crm-main" instance is not connected']
    restart = call(emulator, "POST", "/instance/restart/crm-main")
    assert restart.status_code == 200
    assert restart.json() == {"error": True,
                              "message": 'The "crm-main" instance is not connected'}


def test_fetch_instances_keeps_the_last_close_reason(emulator: Emulator) -> None:
    emulator.set_state("close", status_reason=428)
    record = httpx.get(emulator.base_url + "/instance/fetchInstances", headers=HEADERS,
                       params={"instanceName": "crm-main"}).json()[0]
    assert (record["connectionStatus"], record["disconnectionReasonCode"]) == ("close", 428)


def test_qr_codes_past_the_limit_end_in_refused(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], state="close", qrcode_limit=2,
                  webhook_url=webhook_sink.url) as server:
        call(server, "GET", "/instance/connect/crm-main")
        server.rotate_qr()
        server.rotate_qr()
        assert server.state == "close"
        server.wait_for_webhooks()
    assert webhook_sink.bodies[-1]["event"] == "connection.update"
    assert webhook_sink.bodies[-1]["data"]["state"] == "refused"


# --- webhooks back to Ponte ----------------------------------------------------------


def test_send_is_echoed_and_acked_in_evolution_envelopes(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], auto_ack=True, webhook_url=webhook_sink.url) as server:
        sent = send(server, text="Chegou?").json()
        bodies = webhook_sink.wait_for(3)
    assert [b["event"] for b in bodies] == ["send.message", "messages.update", "messages.update"]
    echo = bodies[0]
    assert list(echo) == list(load("send.message.json"))
    assert echo["data"] == sent and echo["apikey"] == KEY
    events = [e for body in bodies for e in parse(body)]
    message = next(e for e in events if isinstance(e, InboundMessage))
    assert message.from_me and message.text == "Chegou?"
    assert message.engine_message_id == sent["key"]["id"]
    assert [e.status for e in events if isinstance(e, StatusUpdate)] == ["delivered", "read"]


def test_state_changes_post_connection_and_qrcode_events(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], webhook_url=webhook_sink.url) as server:
        server.set_state("close", logged_out=True)
        call(server, "GET", "/instance/connect/crm-main")
        server.scan_qr()
        bodies = webhook_sink.wait_for(4)
    assert [b["event"] for b in bodies] == [
        "connection.update", "connection.update", "qrcode.updated", "connection.update"]
    states = [parse(b)[0] for b in bodies]
    assert all(isinstance(s, SessionUpdate) for s in states)
    assert [s.state for s in states] == ["notlogged", "starting", "qrcode", "connected"]
    assert states[2].qr.startswith("data:image/png;base64,")


def test_webhooks_only_carry_subscribed_events(webhook_sink: WebhookSink,
                                               emulator: Emulator) -> None:
    call(emulator, "POST", "/webhook/set/crm-main",
         {"webhook": {"enabled": True, "url": webhook_sink.url, "events": ["CONNECTION_UPDATE"]}})
    send(emulator)
    emulator.set_state("close", logged_out=True)
    assert emulator.wait_for_webhooks()
    assert [body["event"] for body in webhook_sink.bodies] == ["connection.update"]


def test_apikey_is_left_out_of_webhooks_when_not_exposed(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], webhook_url=webhook_sink.url, expose_apikey=False) as server:
        send(server)
        body = webhook_sink.wait_for(1)[0]
    assert body["apikey"] is None


def test_dead_webhook_receiver_does_not_stop_the_engine() -> None:
    dead = WebhookSink()
    url = dead.url
    dead.close()
    with Emulator(secrets=[KEY], webhook_url=url) as server:
        assert send(server).status_code == 201
        assert server.wait_for_webhooks(timeout=5)
        assert send(server).status_code == 201
        assert server.webhooks[0]["status"] is None and server.webhooks[0]["error"]


def test_post_webhook_injects_any_payload(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[KEY], webhook_url=webhook_sink.url) as server:
        server.post_webhook(load("messages.upsert-lid.json"))
        server.receive_text("5521998765432", "Oi, tudo bem?")
        bodies = webhook_sink.wait_for(2)
    assert bodies[0] == load("messages.upsert-lid.json")
    inbound = [e for e in parse(bodies[1]) if isinstance(e, InboundMessage)][0]
    assert (inbound.text, inbound.from_me) == ("Oi, tudo bem?", False)


# --- media ---------------------------------------------------------------------------


def hooked(webhook_sink: WebhookSink, *, base64_on: bool) -> Emulator:
    server = Emulator(secrets=[KEY]).start()
    answer = call(server, "POST", "/webhook/set/crm-main",
                  {"webhook": {"enabled": True, "url": webhook_sink.url, "base64": base64_on,
                               "events": ["MESSAGES_UPSERT"]}})
    assert answer.status_code == 201
    return server


def download(server: Emulator, message_id: str) -> httpx.Response:
    return call(server, "POST", "/chat/getBase64FromMediaMessage/crm-main",
                {"message": {"key": {"id": message_id}}, "convertToMp4": False})


def test_with_webhook_base64_the_file_rides_in_the_upsert(webhook_sink: WebhookSink) -> None:
    server = hooked(webhook_sink, base64_on=True)
    try:
        photo = sample_png("evo")
        message_id = server.receive_media("5521998765432", photo, kind="image",
                                          caption="Comprovante")
        assert server.wait_for_webhooks()
        body = webhook_sink.bodies[-1]
        assert base64.b64decode(body["data"]["message"]["base64"]) == photo
        content = body["data"]["message"]["imageMessage"]
        assert (content["mimetype"], content["caption"]) == ("image/png", "Comprovante")
        assert content["fileLength"] == {"low": len(photo), "high": 0, "unsigned": True}
        message = parse(body)[-1]
        assert isinstance(message, InboundMessage) and message.engine_message_id == message_id
        assert base64.b64decode(message.media.inline_base64) == photo
    finally:
        server.stop()


def test_without_it_a_voice_note_is_fetched_by_id(webhook_sink: WebhookSink) -> None:
    server = hooked(webhook_sink, base64_on=False)
    try:
        voice = sample_ogg_opus(4.0)
        message_id = server.receive_media("5521998765432", voice, kind="voice")
        assert server.wait_for_webhooks()
        body = webhook_sink.bodies[-1]
        assert "base64" not in body["data"]["message"]
        content = body["data"]["message"]["audioMessage"]
        assert (content["ptt"], content["seconds"], content["mimetype"]) == (
            True, 4, "audio/ogg; codecs=opus")
        message = parse(body)[-1]
        assert message.kind == "voice" and message.media.duration == 4.0
        answer = download(server, message_id)
        assert answer.status_code == 201
        got = answer.json()
        assert base64.b64decode(got["base64"]) == voice
        assert (got["mediaType"], got["mimetype"], got["buffer"]) == (
            "audioMessage", "audio/ogg; codecs=opus", None)
        assert got["fileName"] == f"{message_id}.ogg"
    finally:
        server.stop()


def test_a_captioned_document_is_wrapped_and_still_downloads(webhook_sink: WebhookSink) -> None:
    server = hooked(webhook_sink, base64_on=False)
    try:
        pdf = sample_pdf()
        message_id = server.receive_media("5521998765432", pdf, kind="document",
                                          filename="pedido.pdf", caption="segue")
        assert server.wait_for_webhooks()
        wrapped = webhook_sink.bodies[-1]["data"]["message"]["documentWithCaptionMessage"]
        assert wrapped["message"]["documentMessage"]["fileName"] == "pedido.pdf"
        message = parse(webhook_sink.bodies[-1])[-1]
        assert (message.kind, message.caption, message.media.filename) == (
            "document", "segue", "pedido.pdf")
        got = download(server, message_id).json()
        assert base64.b64decode(got["base64"]) == pdf and got["fileName"] == "pedido.pdf"
    finally:
        server.stop()


def test_download_failures_are_400s_with_evolutions_words(emulator: Emulator) -> None:
    message_id = emulator.receive_media("5521998765432", sample_png(), kind="image")
    unknown = download(emulator, "3A00000000000000000000")
    assert unknown.status_code == 400
    assert unknown.json()["response"]["message"] == ["Message not found"]
    text_id = emulator.receive_text("5521998765432", "oi")
    not_media = download(emulator, text_id)
    assert not_media.json()["response"]["message"] == ["The message is not of the media type"]
    emulator.expire_media(message_id)
    gone = download(emulator, message_id)
    assert gone.status_code == 400
    assert gone.json()["response"]["message"][0].startswith(
        "Error: Failed to fetch stream from https://mmg.whatsapp.net/")


def test_media_sends_are_recorded_for_every_route(emulator: Emulator) -> None:
    photo, voice, pdf = sample_png("s"), sample_ogg_opus(1.0), sample_pdf()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    number = "5521998765432"
    calls = [
        ("sendMedia", {"mediatype": "image", "mimetype": "image/png", "media": b64(photo),
                       "caption": "a azul"}),
        ("sendMedia", {"mediatype": "document", "mimetype": "application/pdf",
                       "media": b64(pdf), "fileName": "nota.pdf"}),
        ("sendMedia", {"mediatype": "audio", "mimetype": "audio/ogg", "media": b64(voice)}),
        ("sendWhatsAppAudio", {"audio": b64(voice)}),
        ("sendSticker", {"sticker": b64(photo)}),
        ("sendMedia", {"mediatype": "video", "media": "https://cdn.example/v.mp4",
                       "caption": "olha"}),
    ]
    for route, body in calls:
        answer = call(emulator, "POST", f"/message/{route}/crm-main", {"number": number, **body})
        assert answer.status_code == 201, answer.text
    sent = emulator.media_sends
    assert [(s.kind, s.voice) for s in sent] == [
        ("image", False), ("document", False), ("audio", False), ("voice", True),
        ("sticker", False), ("video", False)]
    assert [s.data for s in sent] == [photo, pdf, voice, voice, photo, None]
    assert (sent[0].caption, sent[1].filename, sent[5].url) == (
        "a azul", "nota.pdf", "https://cdn.example/v.mp4")


def test_shared_places_and_cards_reach_the_webhook_as_upserts(webhook_sink: WebhookSink) -> None:
    server = hooked(webhook_sink, base64_on=False)
    try:
        server.receive_location("5521998765432", -22.97, -43.18, name="Loja")
        server.receive_contacts("5521998765432", [("Carlos", ["+55 21 98765-0001"])])
        server.receive_contacts("5521998765432", [("A", ["+55 21 90000-0001"]),
                                                  ("B", ["+55 21 90000-0002"])])
        assert server.wait_for_webhooks()
        place, card, cards = (parse(b)[-1] for b in webhook_sink.bodies[-3:])
        assert (place.kind, place.location.latitude, place.location.name) == (
            "location", -22.97, "Loja")
        assert card.shared_contacts[0].phones == ["+55 21 98765-0001"]
        assert [c.name for c in cards.shared_contacts] == ["A", "B"]
    finally:
        server.stop()
