"""The WPPConnect emulator answers like the real server did in the fixtures.

Every live capture in `fixtures/wppconnect/captured/` is replayed against the
emulator in the state it was recorded in (reached through the same calls the
capture run made), and the status, content type and body must match, apart
from generated values (tokens, uptime). The hand-written `rest-*.json` samples
cover what the captures could not reach: CONNECTED, QRCODE and real sends.
"""

import base64
import json
import re
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.base import WebhookSink, sample_ogg_opus, sample_pdf, sample_png
from emulators.wppconnect import LOGGED_OUT, VERSION, Emulator
from ponte.engines import wppconnect
from ponte.engines.events import InboundMessage, SessionUpdate, StatusUpdate
from tests.support import fixtures_dir

FOLDER = fixtures_dir() / "wppconnect"
CAPTURED = FOLDER / "captured"
SECRET = "LocalCaptureSecret123"
HOOK = "http://127.0.0.1:21999/hook"  # the capture run's receiver; offline, nothing posts
PLACEHOLDER = re.compile(r"\$2b\$10\$LocallyGeneratedTokenReplaced(\d\d)x+")
# Which session each placeholder token was generated for in the capture run.
TOKEN_SESSIONS = {"01": "capsession", "02": "capsession2", "03": "capsession3",
                  "04": "neverstarted", "05": "capsession", "06": "capsession4"}
TOKEN_SHAPE = re.compile(r"^\$2b\$10\$[./A-Za-z0-9_]{53}$")
JSON_TYPE = "application/json; charset=utf-8"

# Not part of the REST surface Ponte uses: the docs pages and Prometheus text.
NOT_REPLAYED = {"api-docs.json", "api-docs-slash.json", "api-docs-swagger-ui-init-js.json",
                "metrics.json", "status-session-poll-timeline.json", "swagger.json",
                "start-session-waitqrcode.json"}  # never answers: see its own test
EXCHANGES = sorted(p for p in CAPTURED.glob("*.json") if p.name not in NOT_REPLAYED)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# What the capture run had done to the session before each exchange.
STARTED = ("initializing-", "t0", "t1", "nowait-", "s3-initializing", "s4-before", "s4-after",
           "start-session-again", "waitqr-after", "waitqr-status-session-change02",
           "reboot-status", "end-capsession-status-session.json",
           "end-capsession2-status-session.json", "end-capsession-close",
           "end-capsession2-close")
CLOSED_AFTER_START = ("end-capsession-logout", "end-capsession2-logout",
                      "end-capsession-status-session-after", "end-capsession2-status-session-after",
                      "s3-after-close-status", "s3-after-close-close", "s3-after-close-logout",
                      "restart-after-close-start")
THREE = ("capsession", "capsession2", "capsession3")
SHOW_ALL = {
    "initializing-show-all-sessions.json": [("start", "capsession")],
    "end-show-all-sessions.json": [("start", s) for s in THREE],
    "end-show-all-sessions-json-ctype.json": [("start", s) for s in THREE],
    "s3-after-close-show-all-sessions.json": [("start", s) for s in THREE]
    + [("close", "capsession3")],
    "reboot-show-all-sessions.json": [("start", s) for s in (*THREE, "capsession4")],
}


def history(name: str, request: dict[str, Any]) -> list[tuple[str, str]]:
    """The calls the capture run had made before this exchange: (action, session)."""
    if name in SHOW_ALL:
        return SHOW_ALL[name]
    if not request["path"].startswith("/api/"):
        return []
    session = request["path"].split("/")[2].split(":")[0]
    if name.startswith("restart-after-close-status"):
        return [("start", session), ("close", session), ("start", session)]
    if name.startswith(CLOSED_AFTER_START):
        return [("start", session), ("close", session)]
    return [("start", session)] if name.startswith(STARTED) else []


class Replayer:
    """Drives one emulator like the capture run drove the real server."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.http = httpx.Client(base_url=emulator.base_url, timeout=5)
        self.tokens: dict[str, str] = {}

    def token(self, session: str) -> str:
        if session not in self.tokens:
            answer = self.http.post(f"/api/{session}/{SECRET}/generate-token")
            self.tokens[session] = answer.json()["token"]
        return self.tokens[session]

    def real_tokens(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self.token(TOKEN_SESSIONS[m.group(1)]), text)

    def call(self, action: str, session: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(session)}"}
        if action == "start":
            return self.http.post(f"/api/{session}/start-session", headers=headers,
                                  json={"webhook": HOOK, "waitQrCode": False})
        return self.http.post(f"/api/{session}/close-session", headers=headers)

    def replay(self, request: dict[str, Any]) -> httpx.Response:
        headers = {k: self.real_tokens(v) for k, v in request["headers"].items()}
        body = request["body"]
        return self.http.request(request["method"], self.real_tokens(request["path"]),
                                 headers=headers,
                                 content=json.dumps(body) if body is not None else None)


@pytest.fixture
def offline() -> Any:
    """The server as captured: WhatsApp Web unreachable, so starts stay INITIALIZING."""
    with Emulator(secrets=[SECRET], whatsapp_reachable=False) as emulator:
        yield emulator


@pytest.mark.parametrize("path", EXCHANGES, ids=[p.name for p in EXCHANGES])
def test_emulator_answers_each_captured_exchange_like_the_real_server(
        offline: Emulator, path: Path) -> None:
    exchange = load(path)
    replayer = Replayer(offline)
    for action, session in history(path.name, exchange["request"]):
        replayer.call(action, session)

    answer = replayer.replay(exchange["request"])

    expected = exchange["response"]
    assert answer.status_code == expected["status"]
    assert answer.headers.get("content-type") == expected["headers"]["content-type"]
    if isinstance(expected["body"], str):
        assert answer.text == expected["body"]
        return
    body = answer.json()
    if path.name.startswith("generate-token-capsession") or (
            path.name.startswith("generate-token") and answer.status_code == 201):
        assert TOKEN_SHAPE.match(body.pop("token"))
        assert body.pop("full").startswith(f"{body['session']}:$2b$10$")
        expected = {k: v for k, v in expected["body"].items() if k not in ("token", "full")}
        assert body == expected
    elif path.name == "healthz.json":
        assert body["message"] == "OK" and set(body) == set(expected["body"])
    else:
        assert body == expected["body"]


def test_start_session_waiting_for_a_qr_code_never_answers_when_none_comes(
        offline: Emulator) -> None:
    exchange = load(CAPTURED / "start-session-waitqrcode.json")
    replayer = Replayer(offline)
    replayer.http = httpx.Client(base_url=offline.base_url, timeout=httpx.Timeout(
        connect=1, read=0.4, write=1, pool=1))
    with pytest.raises(httpx.ReadTimeout):
        replayer.replay(exchange["request"])
    assert offline.state_of("capsession2") == "INITIALIZING"


def test_session_stays_initializing_for_good_while_whatsapp_is_unreachable(
        offline: Emulator) -> None:
    polls = load(CAPTURED / "status-session-poll-timeline.json")["polls"]
    before = [poll["body"] for poll in polls if poll["status"] == "CLOSED"]
    after = [poll["body"] for poll in polls if poll["status"] != "CLOSED"]
    assert len(after) > 100 and all(body == after[0] for body in after)
    replayer = Replayer(offline)
    headers = {"Authorization": f"Bearer {replayer.token('capsession')}"}
    answer = replayer.http.get("/api/capsession/status-session", headers=headers)
    assert answer.json() == before[0]
    replayer.call("start", "capsession")
    for _ in range(5):
        answer = replayer.http.get("/api/capsession/status-session", headers=headers)
        assert answer.json() == after[0]


# -- states the captures could not reach (the hand-written rest-*.json) ---------------------


@pytest.fixture
def online() -> Any:
    with Emulator(secrets=["s3cret"], state="CONNECTED", logout_delay=0.01) as emulator:
        yield emulator


def authorized(emulator: Emulator, session: str = "shop", secret: str = "s3cret"
               ) -> httpx.Client:
    http = httpx.Client(base_url=emulator.base_url, timeout=5)
    token = http.post(f"/api/{session}/{secret}/generate-token").json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def sample(name: str) -> Any:
    return load(FOLDER / name)


def test_connected_session_reports_like_the_real_samples(online: Emulator) -> None:
    http = authorized(online)
    status = http.get("/api/shop/status-session").json()
    assert status == {**sample("rest-status-session-connected.json"), "version": VERSION}
    assert http.get("/api/shop/check-connection-session").json() == sample(
        "rest-check-connection-session.json")
    qr = http.get("/api/shop/qrcode-session")
    assert qr.json() == sample("rest-qrcode-session-not-available.json")


def test_send_message_answers_the_serialized_message_with_the_sample_fields(
        online: Emulator) -> None:
    http = authorized(online)
    answer = http.post("/api/shop/send-message", json={"phone": "5511988880001",
                                                       "message": "Hi from WPPConnect"})
    assert answer.status_code == 201
    body, expected = answer.json(), sample("rest-send-message.json")
    assert set(body) == set(expected) and body["session"] == "shop"
    assert body["status"] == "success" and body["mapper"] == "return"
    message = body["response"][0]
    assert set(expected["response"][0]) <= set(message)
    assert message["id"].startswith("true_5511988880001@c.us_3EB0")
    assert message["body"] == "Hi from WPPConnect" and message["fromMe"] is True
    assert online.delivered[0]["engine_message_id"] == message["id"].split("_")[2]


@pytest.mark.parametrize("route,payload", [
    ("send-file", {"base64": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}),
    ("send-image", {"path": "https://example.com/p.jpg", "caption": "foto"}),
    ("send-voice-base64", {"base64Ptt": "data:audio/ogg;base64,T2dnUw=="}),
    ("send-voice", {"path": "https://example.com/v.ogg"}),
])
def test_media_sends_answer_ack_and_id_like_the_send_file_sample(
        online: Emulator, route: str, payload: dict[str, Any]) -> None:
    http = authorized(online)
    answer = http.post(f"/api/shop/{route}", json={"phone": "5511988880001", **payload})
    assert answer.status_code == 201
    body = answer.json()
    expected = sample("rest-send-file.json")
    assert set(body) == set(expected)
    assert set(body["response"][0]) == set(expected["response"][0])
    assert len(online.delivered) == 1


def test_file_send_without_a_file_gets_the_servers_own_401(online: Emulator) -> None:
    answer = authorized(online).post("/api/shop/send-file", json={"phone": "5511988880001"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "Sending the file is mandatory"
    assert online.delivered == []


def test_wrong_secret_and_tokens_get_the_sample_bodies(online: Emulator) -> None:
    http = httpx.Client(base_url=online.base_url)
    wrong = http.post("/api/shop/nope/generate-token")
    assert (wrong.status_code, wrong.json()) == (400, sample(
        "rest-generate-token-wrong-secret.json"))
    missing = http.get("/api/shop/status-session")
    assert (missing.status_code, missing.json()) == (401, sample("rest-error-401-no-token.json"))
    bad = http.get("/api/shop/status-session", headers={"Authorization": "Bearer x"})
    assert (bad.status_code, bad.json()) == (401, sample("rest-error-401.json"))


def test_token_stops_working_when_the_server_no_longer_holds_its_secret(
        online: Emulator) -> None:
    http = authorized(online)
    online.accepted_secrets = ["another"]
    assert http.get("/api/shop/status-session").status_code == 401
    online.accepted_secrets = ["s3cret"]
    assert http.get("/api/shop/status-session").status_code == 200


def test_number_check_finds_the_legacy_id_without_the_ninth_digit() -> None:
    with Emulator(secrets=["s3cret"], state="CONNECTED", registered={"553187654321"}) as emu:
        http = authorized(emu)
        found = http.get("/api/shop/check-number-status/5531987654321").json()["response"]
        assert found["numberExists"] is True
        assert found["id"] == {"server": "c.us", "user": "553187654321",
                               "_serialized": "553187654321@c.us"}
        missing = http.get("/api/shop/check-number-status/5531900000000").json()["response"]
        assert missing == {"id": "5531900000000@c.us", "isBusiness": False,
                           "canReceiveMessage": False, "numberExists": False, "status": 404}
        sent = http.post("/api/shop/send-message", json={"phone": "5531987654321",
                                                         "message": "oi"})
        assert sent.json()["response"][0]["to"] == "553187654321@c.us"
        assert emu.delivered[0]["to"] == "553187654321"
        refused = http.post("/api/shop/send-message", json={"phone": "5531900000000",
                                                            "message": "oi"})
        expected = sample("rest-error-number-not-exist.json")
        assert refused.status_code == 400 and set(refused.json()) == set(expected)
        assert refused.json()["message"] == "O número 5531900000000 não existe."
        assert len(emu.delivered) == 1


def test_qr_code_is_a_fresh_valid_png_on_every_start(online: Emulator) -> None:
    http = authorized(online, "fresh")
    online.set_state(LOGGED_OUT, "fresh")
    http.post("/api/fresh/start-session", json={"webhook": "", "waitQrCode": False})
    first = http.get("/api/fresh/qrcode-session")
    assert first.headers["content-type"] == "image/png"
    assert_valid_png(first.content)
    status = http.get("/api/fresh/status-session").json()
    assert status["status"] == "QRCODE" and status["qrcode"].startswith("data:image/png;base64,")
    assert status["urlcode"].startswith("2@") and status["version"] == VERSION

    online.set_state("CLOSED", "fresh")  # the library's autoClose ends the unscanned QR
    http.post("/api/fresh/start-session", json={"webhook": "", "waitQrCode": False})
    second = http.get("/api/fresh/qrcode-session")
    assert_valid_png(second.content)
    assert second.content != first.content


def test_start_waiting_for_the_qr_code_answers_it_when_whatsapp_shows_one(
        online: Emulator) -> None:
    http = authorized(online, "newphone")
    online.set_state(LOGGED_OUT, "newphone")
    body = http.post("/api/newphone/start-session", json={"waitQrCode": True}).json()
    assert set(body) == set(sample("rest-start-session-waitqrcode.json"))
    assert body["status"] == "qrcode" and body["session"] == "newphone"
    assert_valid_png(base64.b64decode(body["qrcode"]))


def test_close_and_logout_of_a_connected_session(online: Emulator) -> None:
    http = authorized(online)
    closed = http.post("/api/shop/close-session", headers={"Content-Type": "application/json"})
    assert closed.json() == {**sample("rest-close-session.json"), "session": "shop"}
    assert http.get("/api/shop/status-session").json() == sample(
        "rest-status-session-closed.json")
    http.post("/api/shop/start-session", json={"waitQrCode": False})
    assert online.state_of("shop") == "CONNECTED"  # the login survived the close
    logged_out = http.post("/api/shop/logout-session")
    assert logged_out.json() == {"status": True, "message": "Session successfully closed"}
    assert online.state_of("shop") is None
    http.post("/api/shop/start-session", json={"waitQrCode": False})
    assert online.state_of("shop") == "QRCODE"  # the login went with the logout


def test_show_all_sessions_lists_the_started_ones(online: Emulator) -> None:
    http = authorized(online)
    http.get("/api/shop/status-session")
    other = authorized(online, "other")
    other.post("/api/other/start-session", json={})
    answer = httpx.get(f"{online.base_url}/api/s3cret/show-all-sessions")
    assert answer.json() == {"response": ["shop", "other"]}


# -- scripting: failures, hangs, slowness, refusals -----------------------------------------


def test_scripted_504_comes_from_the_proxy_and_delivers_nothing(online: Emulator) -> None:
    http = authorized(online)
    online.fail_next("send_text", status=504, times=2)
    for _ in range(2):
        answer = http.post("/api/shop/send-message", json={"phone": "5511988880001",
                                                           "message": "oi"})
        assert answer.status_code == 504 and "504 Gateway Time-out" in answer.text
        assert answer.headers["content-type"] == "text/html"
    assert online.delivered == []
    ok = http.post("/api/shop/send-message", json={"phone": "5511988880001", "message": "oi"})
    assert ok.status_code == 201 and len(online.delivered) == 1
    assert [r.operation for r in online.requests].count("send_text") == 3


def test_scripted_engine_errors_use_the_engines_bodies(online: Emulator) -> None:
    http = authorized(online)
    online.fail_next("send_text", status=500)
    answer = http.post("/api/shop/send-message", json={"phone": "5511988880001",
                                                       "message": "oi"})
    assert answer.status_code == 500
    assert {k: v for k, v in answer.json().items() if k != "session"} == sample(
        "rest-error-send.json")
    online.fail_next("status", status=404)
    assert http.get("/api/shop/status-session").json() == sample(
        "rest-error-session-disconnected.json")


def test_hang_delivers_first_and_answers_late(online: Emulator) -> None:
    http = authorized(online)
    online.hang_next("send_text", seconds=1.0)
    quick = httpx.Timeout(connect=1, read=0.3, write=1, pool=1)
    with pytest.raises(httpx.ReadTimeout):
        http.post("/api/shop/send-message", json={"phone": "5511988880001", "message": "oi"},
                  timeout=quick)
    assert len(online.delivered) == 1


def test_hang_without_delivery_drops_the_request(online: Emulator) -> None:
    http = authorized(online)
    online.hang_next("send_text", seconds=0.2, deliver=False)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/api/shop/send-message", json={"phone": "5511988880001", "message": "oi"})
    assert online.delivered == []


def test_latency_slows_every_answer() -> None:
    with Emulator(secrets=["s3cret"], latency=0.2) as emu:
        started = time.monotonic()
        httpx.get(f"{emu.base_url}/healthz")
        assert time.monotonic() - started >= 0.2


def test_stopped_emulator_refuses_connections_and_starts_again(online: Emulator) -> None:
    url = online.base_url
    online.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz")
    online.start()
    assert httpx.get(f"{online.base_url}/healthz").status_code == 200


def test_unknown_state_names_are_refused(online: Emulator) -> None:
    with pytest.raises(ValueError):
        online.set_state("ONLINE")


# -- webhooks -------------------------------------------------------------------------------


def test_a_send_is_echoed_and_acknowledged_through_the_webhook(
        online: Emulator, webhook_sink: WebhookSink) -> None:
    http = authorized(online)
    online.set_state("CLOSED", "shop")
    http.post("/api/shop/start-session", json={"webhook": webhook_sink.url, "waitQrCode": False})
    online.scan_qr("shop")
    http.post("/api/shop/send-message", json={"phone": "5511988880001", "message": "Olá"})
    assert online.wait_for_webhooks()

    events = [body["event"] for body in webhook_sink.bodies]
    assert events == ["status-find", "qrcode", "status-find", "onselfmessage",
                      "onack", "onack", "onack"]
    assert webhook_sink.posts[0].headers["User-Agent"] == "axios/1.19.0"
    parsed = [wppconnect.parse(body) for body in webhook_sink.bodies]
    assert isinstance(parsed[1][0], SessionUpdate) and parsed[1][0].qr.startswith("data:image")
    echo = parsed[3][0]
    assert isinstance(echo, InboundMessage) and echo.from_me and echo.text == "Olá"
    assert echo.engine_message_id == online.delivered[0]["engine_message_id"]
    acks = [events_[0] for events_ in parsed[4:]]
    assert all(isinstance(a, StatusUpdate) for a in acks)
    assert [a.status for a in acks] == ["sent", "delivered", "read"]
    assert {a.engine_message_id for a in acks} == {echo.engine_message_id}
    read_by_the_parser = {"id", "body", "type", "t", "from", "to", "chatId", "fromMe", "sender"}
    assert read_by_the_parser <= set(webhook_sink.bodies[3]) & set(sample("onselfmessage.json"))
    assert set(webhook_sink.bodies[4]) == set(sample("onack.json"))


def test_session_events_reach_the_webhook_as_the_server_posts_them(
        online: Emulator, webhook_sink: WebhookSink) -> None:
    http = authorized(online)
    http.post("/api/shop/close-session")
    http.post("/api/shop/start-session", json={"webhook": webhook_sink.url})
    online.set_state(LOGGED_OUT, "shop")
    assert online.wait_for_webhooks()
    last = webhook_sink.bodies[-1]
    assert last == {"event": "status-find", "session": "shop", "status": "desconnectedMobile"}
    assert http.get("/api/shop/status-session").json() == sample(
        "rest-status-session-closed.json")
    online.post_webhook(sample("onmessage-text.json"), url=webhook_sink.url)
    assert webhook_sink.bodies[-1] == sample("onmessage-text.json")


def test_close_posts_the_closesession_webhook(online: Emulator, webhook_sink: WebhookSink) -> None:
    http = authorized(online)
    http.post("/api/shop/close-session")
    http.post("/api/shop/start-session", json={"webhook": webhook_sink.url})
    http.post("/api/shop/close-session")
    assert online.wait_for_webhooks()
    expected = sample("closesession.json")
    assert webhook_sink.bodies[-1] == {**expected, "session": "shop",
                                   "message": "Session: shop disconnected"}


def test_a_dead_webhook_does_not_stop_the_emulator(online: Emulator) -> None:
    dead = WebhookSink()
    dead.close()
    http = authorized(online)
    http.post("/api/shop/close-session")
    http.post("/api/shop/start-session", json={"webhook": dead.url})
    http.post("/api/shop/send-message", json={"phone": "5511988880001", "message": "oi"})
    assert online.wait_for_webhooks()
    assert online.webhooks and all(w["status"] is None for w in online.webhooks)
    assert http.get("/api/shop/status-session").status_code == 200


def test_incoming_messages_reach_the_webhook_and_the_chat(
        online: Emulator, webhook_sink: WebhookSink) -> None:
    http = authorized(online)
    http.post("/api/shop/close-session")
    http.post("/api/shop/start-session", json={"webhook": webhook_sink.url})
    message_id = online.receive_text("5511988880001", "quero saber o preço", session="shop")
    assert online.wait_for_webhooks()
    event = wppconnect.parse(webhook_sink.bodies[-1])[0]
    assert isinstance(event, InboundMessage) and not event.from_me
    chat = http.get("/api/shop/get-messages/5511988880001@c.us").json()["response"]
    assert [m["id"] for m in chat] == [message_id]


def assert_valid_png(data: bytes) -> None:
    """Signature, then chunks whose CRCs hold, ending with IEND."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    offset, kinds = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        chunk = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + chunk) & 0xFFFFFFFF == crc
        kinds.append(kind)
        offset += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds


def test_close_session_does_not_stop_the_browser_of_a_session_that_never_connected(
        offline: Emulator) -> None:
    http = authorized(offline, "stuck", SECRET)
    http.post("/api/stuck/start-session", json={"webhook": "", "waitQrCode": False})
    assert offline.browsers("stuck") == 1
    assert http.post("/api/stuck/close-session").status_code == 500
    assert http.get("/api/stuck/status-session").json()["status"] == "CLOSED"
    # The old browser still holds the profile folder: the start launches nothing.
    http.post("/api/stuck/start-session", json={"webhook": "", "waitQrCode": False})
    assert offline.browsers("stuck") == 1
    assert http.get("/api/stuck/status-session").json()["status"] == "INITIALIZING"


def test_clearing_the_data_under_a_running_browser_lets_the_next_start_launch_a_second(
        offline: Emulator) -> None:
    http = authorized(offline, "stuck", SECRET)
    http.post("/api/stuck/start-session", json={"webhook": "", "waitQrCode": False})
    http.post("/api/stuck/close-session")
    http.post(f"/api/stuck/{SECRET}/clear-session-data")
    http.post("/api/stuck/start-session", json={"webhook": "", "waitQrCode": False})
    assert offline.browsers("stuck") == 2


def test_a_dead_browser_posts_browser_close_and_leaves_the_status_initializing(
        offline: Emulator, webhook_sink: WebhookSink) -> None:
    http = authorized(offline, "stuck", SECRET)
    http.post("/api/stuck/start-session", json={"webhook": webhook_sink.url})
    offline.kill_browser("stuck")
    assert offline.wait_for_webhooks()
    assert webhook_sink.bodies[-1] == {"event": "status-find", "session": "stuck",
                                       "status": "browserClose"}
    assert offline.browsers("stuck") == 0
    assert http.get("/api/stuck/status-session").json()["status"] == "INITIALIZING"
    # start-session while INITIALIZING restarts nothing; close first, then start does.
    http.post("/api/stuck/start-session", json={"webhook": webhook_sink.url})
    assert offline.browsers("stuck") == 0
    http.post("/api/stuck/close-session")
    http.post("/api/stuck/start-session", json={"webhook": webhook_sink.url})
    assert offline.browsers("stuck") == 1


# -- media ----------------------------------------------------------------------------------


def started(emulator: Emulator, webhook_sink: WebhookSink) -> httpx.Client:
    http = authorized(emulator)
    http.post("/api/shop/close-session")
    http.post("/api/shop/start-session", json={"webhook": webhook_sink.url})
    return http


def test_a_customers_photo_arrives_whole_in_the_webhook_with_auto_download(
        online: Emulator, webhook_sink: WebhookSink) -> None:
    http = started(online, webhook_sink)
    photo = sample_png("foto")
    message_id = online.receive_media("5511988880001", photo, kind="image",
                                      caption="esse aqui", session="shop")
    assert online.wait_for_webhooks()
    body = webhook_sink.bodies[-1]
    assert (body["event"], body["type"], body["mimetype"]) == ("onmessage", "image", "image/png")
    assert base64.b64decode(body["body"]) == photo and body["size"] == len(photo)
    message = wppconnect.parse(body)[0]
    assert isinstance(message, InboundMessage) and message.caption == "esse aqui"
    assert message.engine_message_id == message_id
    assert base64.b64decode(message.media.inline_base64) == photo
    # The route answers the same file for the message's full key.
    answer = http.post("/api/shop/download-media", json={"messageId": body["id"]})
    assert answer.status_code == 200
    assert base64.b64decode(answer.json()["base64"]) == photo
    assert answer.json()["mimetype"] == "image/png"


def test_without_auto_download_a_voice_note_comes_by_reference_with_its_duration(
        webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=["s3cret"], state="CONNECTED", auto_download=False) as emulator:
        http = started(emulator, webhook_sink)
        voice = sample_ogg_opus(3.0)
        emulator.receive_media("5511988880001", voice, kind="voice", session="shop")
        assert emulator.wait_for_webhooks()
        body = webhook_sink.bodies[-1]
        assert (body["type"], body["mimetype"], body["duration"]) == (
            "ptt", "audio/ogg; codecs=opus", "3")
        assert body["body"] == "" and body["deprecatedMms3Url"].startswith("https://mmg.")
        message = wppconnect.parse(body)[0]
        assert message.kind == "voice" and message.media.duration == 3.0
        assert message.media.inline_base64 is None
        answer = http.post("/api/shop/download-media", json={"messageId": body["id"]})
        assert base64.b64decode(answer.json()["base64"]) == voice


def test_download_failures_answer_like_the_server(online: Emulator,
                                                  webhook_sink: WebhookSink) -> None:
    http = started(online, webhook_sink)
    message_id = online.receive_media("5511988880001", sample_pdf(), kind="document",
                                      filename="pedido.pdf", session="shop")
    assert online.wait_for_webhooks()
    key = webhook_sink.bodies[-1]["id"]
    # The `session` key: src/index.ts adds it to JSON answers to JSON requests.
    decrypt_error = {"status": "error", "message": "Decrypt file error", "error": {},
                     "session": "shop"}
    # getMessageById needs the whole key: a bare id is not found.
    bare = http.post("/api/shop/download-media", json={"messageId": message_id})
    assert (bare.status_code, bare.json()) == (400, decrypt_error)
    text_id = online.receive_text("5511988880001", "oi", session="shop")
    no_media = http.post("/api/shop/download-media", json={"messageId": text_id})
    assert no_media.json()["message"] == "Message does not contain media"
    online.expire_media(message_id)
    gone = http.post("/api/shop/download-media", json={"messageId": key})
    assert (gone.status_code, gone.json()) == (400, decrypt_error)
    older = http.get(f"/api/shop/get-media-by-message/{key}")
    assert older.status_code == 500
    online.set_state("CLOSED", "shop")
    closed = http.post("/api/shop/download-media", json={"messageId": key})
    assert (closed.status_code, closed.json()["status"]) == (404, "Disconnected")


def test_media_sends_are_recorded_with_their_bytes_kind_and_caption(online: Emulator) -> None:
    http = authorized(online)
    photo, voice = sample_png("p"), sample_ogg_opus(1.0)
    sends = [
        ("send-image", {"base64": "data:image/png;base64," + base64.b64encode(photo).decode(),
                        "caption": "a azul", "filename": "azul.png"}),
        ("send-file", {"base64": "data:image/png;base64," + base64.b64encode(photo).decode(),
                       "filename": "azul.png", "options": {"type": "document"}}),
        ("send-voice-base64", {"base64Ptt": "data:audio/ogg;codecs=opus;base64,"
                               + base64.b64encode(voice).decode()}),
    ]
    for route, body in sends:
        answer = http.post(f"/api/shop/{route}", json={"phone": "5511988880001", **body})
        assert answer.status_code == 201, answer.text
    assert [(s.kind, s.voice, s.caption) for s in online.media_sends] == [
        ("image", False, "a azul"), ("document", False, ""), ("voice", True, "")]
    assert [s.data for s in online.media_sends] == [photo, photo, voice]
    assert online.media_sends[2].mimetype == "audio/ogg;codecs=opus"
    assert {s.to for s in online.media_sends} == {"5511988880001"}


def test_a_data_url_wa_js_cannot_parse_fails_the_send(online: Emulator) -> None:
    http = authorized(online)
    spaced = "data:audio/ogg; codecs=opus;base64," + base64.b64encode(b"OggS").decode()
    answer = http.post("/api/shop/send-voice-base64",
                       json={"phone": "5511988880001", "base64Ptt": spaced})
    assert answer.status_code == 500 and online.media_sends == []


def test_shared_places_and_cards_reach_the_webhook_as_the_library_serializes_them(
        online: Emulator, webhook_sink: WebhookSink) -> None:
    started(online, webhook_sink)
    online.receive_location("5511988880001", -23.5613, -46.6565, name="Loja Paulista",
                            address="Av. Paulista, 1000", session="shop")
    online.receive_contacts("5511988880001", [("Ana Loja", ["+55 11 97777-0003"])],
                            session="shop")
    online.receive_contacts("5511988880001", [("Ana", ["+55 11 97777-0003"]),
                                              ("Bia", ["+55 11 96666-0004"])], session="shop")
    assert online.wait_for_webhooks()
    place, card, cards = (wppconnect.parse(b)[0] for b in webhook_sink.bodies[-3:])
    assert (place.kind, place.location.name, place.location.address) == (
        "location", "Loja Paulista", "Av. Paulista, 1000")
    assert (card.kind, card.shared_contacts[0].phones) == ("contact", ["+55 11 97777-0003"])
    assert [c.name for c in cards.shared_contacts] == ["Ana", "Bia"]
