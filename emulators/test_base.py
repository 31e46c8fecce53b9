"""The base every emulator stands on: scripted faults in order, stops, the webhook outbox."""

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import mutagen
import puremagic
import pytest
from mutagen.oggopus import OggOpus
from PIL import Image

from emulators.base import (
    EngineEmulator,
    Failure,
    Headers,
    RecordedRequest,
    Reply,
    WebhookSink,
    guess_mimetype,
    ogg_opus_seconds,
    sample_ogg_opus,
    sample_pdf,
    sample_png,
    whatsapp_id,
)


class Echo(EngineEmulator):
    """The smallest engine: `GET /ping` with the right `key` header answers pong."""

    ENGINE = "echo"
    OPERATIONS = frozenset({"ping"})

    def __init__(self, webhook_url: str | None = None, **options: Any) -> None:
        super().__init__(["right"], **options)
        self.webhook_url = webhook_url

    def receive_text(self, wa_id: str, text: str, *, push_name: str = "Cliente",
                     session: str | None = None) -> str:
        self._queue_webhook(self.webhook_url or "", {"from": wa_id, "text": text})
        return "inbound-1"

    def _operation_of(self, method: str, path: str, body: Any) -> str | None:
        return "ping" if path == "/ping" else None

    def _answer(self, request: RecordedRequest) -> Reply | None:
        wrong_key = request.headers.get("key") not in self.accepted_secrets
        return self._scripted([request.operation or ""], request, self._pong,
                              refusal=Reply(401, b"refused") if wrong_key else None)

    def _pong(self) -> Reply:
        self.delivered.append({"pong": True})
        return Reply(200, b"pong")

    def _failure(self, failure: Failure, request: RecordedRequest) -> Reply:
        return Reply(failure.status, b"failed")

    def _encode_webhook(self, body: Any) -> tuple[bytes, dict[str, str]]:
        return json.dumps(body).encode(), {"Content-Type": "application/json"}

    def _webhook_destination(self, body: Any) -> tuple[str | None, dict[str, str]]:
        return self.webhook_url, {"X-Echo": "yes"}


@pytest.fixture
def echo(webhook_sink: WebhookSink) -> Iterator[Echo]:
    with Echo(webhook_sink.url) as running:
        yield running


def ping(emulator: Echo, key: str = "right", timeout: float = 5) -> httpx.Response:
    return httpx.get(f"{emulator.base_url}/ping", headers={"Key": key}, timeout=timeout)


def test_a_failure_beats_the_refusal_and_the_refusal_beats_a_hang(echo: Echo) -> None:
    echo.fail_next("ping", status=503)
    assert ping(echo, key="wrong").status_code == 503
    echo.hang_next("ping", seconds=2.0)
    started = time.monotonic()
    assert ping(echo, key="wrong").status_code == 401
    assert time.monotonic() - started < 1.5
    assert ping(echo).status_code == 200, "the refusal used the hang up"
    assert [r.operation for r in echo.requests] == ["ping"] * 3


def test_a_hang_without_delivery_ends_as_the_engine_says(echo: Echo) -> None:
    echo.hang_next("ping", seconds=0.1, deliver=False)
    assert ping(echo).status_code == 504 and echo.delivered == []
    echo.UNDELIVERED_STATUS = None
    echo.hang_next("ping", seconds=0.1, deliver=False)
    with pytest.raises(httpx.RemoteProtocolError):
        ping(echo)
    assert echo.delivered == []


def test_stopping_drops_an_answer_still_held_back(echo: Echo) -> None:
    echo.hang_next("ping", seconds=30)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            ping(echo, timeout=10)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)
    echo.stop()
    caller.join(5)
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    assert echo.delivered == [{"pong": True}], "the work was done before the hang"


def test_unknown_operations_cannot_be_scripted(echo: Echo) -> None:
    with pytest.raises(ValueError, match="unknown operation 'pong'"):
        echo.hang_next("pong", seconds=1)


def test_webhooks_go_out_in_order_and_post_webhook_waits_for_its_own(
        echo: Echo, webhook_sink: WebhookSink) -> None:
    echo.receive_text("5531988887777", "first")
    assert echo.post_webhook({"text": "second"}) == 200
    assert webhook_sink.bodies == [{"from": "5531988887777", "text": "first"}, {"text": "second"}]
    assert webhook_sink.posts[1].headers["x-echo"] == "yes"
    webhook_sink.status = 500
    assert echo.post_webhook({"text": "refused"}) == 500
    assert [w["status"] for w in echo.webhooks] == [200, 200, 500]


def test_webhooks_queued_while_stopped_go_out_on_the_next_start(
        echo: Echo, webhook_sink: WebhookSink) -> None:
    echo.stop()
    echo.receive_text("5531988887777", "while down")
    assert not echo.wait_for_webhooks(timeout=0.2)
    echo.start()
    assert echo.wait_for_webhooks()
    assert webhook_sink.wait_for(1) == [{"from": "5531988887777", "text": "while down"}]


def test_a_dead_receiver_is_recorded_not_raised(echo: Echo) -> None:
    with WebhookSink() as gone:
        url = gone.url
    assert echo.post_webhook({"text": "lost"}, url=url) is None
    assert echo.webhooks[-1]["status"] is None and echo.webhooks[-1]["error"]


def test_header_names_match_in_any_case() -> None:
    headers = Headers([("Content-Type", "application/json")])
    assert headers["content-type"] == headers["CONTENT-TYPE"] == "application/json"
    assert "Content-Type" in headers and headers.get("X-Missing") is None
    assert headers == {"content-type": "application/json"}


@pytest.mark.parametrize(("registered", "digits", "found"), [
    (None, "5531987654321", "5531987654321"),
    ({"553187654321"}, "5531987654321", "553187654321"),
    ({"5531987654321"}, "553187654321", "5531987654321"),
    ({"5531987654321"}, "5521987654321", None),
    ({"5531987654321": None}, "5531987654321", None),
])
def test_whatsapp_id_finds_the_ninth_digit_twin(registered: Any, digits: str,
                                                found: str | None) -> None:
    assert whatsapp_id(registered, digits) == found


def test_the_sample_voice_note_is_ogg_opus_of_the_asked_length():
    voice = sample_ogg_opus(2.5)
    found = mutagen.File(io.BytesIO(voice))
    assert isinstance(found, OggOpus) and found.info.length == pytest.approx(2.5)
    assert ogg_opus_seconds(voice) == pytest.approx(2.5)
    assert guess_mimetype(voice, "voice") == "audio/ogg; codecs=opus"
    assert sample_ogg_opus(1.0, vendor="a") != sample_ogg_opus(1.0, vendor="b")


def test_the_sample_image_and_document_are_what_their_bytes_say():
    png, pdf = sample_png("x"), sample_pdf("Pedido (4821)")
    assert Image.open(io.BytesIO(png)).size == (64, 64)
    assert puremagic.from_string(pdf, mime=True) == "application/pdf"
    assert (guess_mimetype(png), guess_mimetype(pdf)) == ("image/png", "application/pdf")
    assert guess_mimetype(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert guess_mimetype(b"unknown", "video") == "video/mp4"
    assert b"startxref" in pdf and pdf.endswith(b"%%EOF\n")
