"""The WPPConnect client against the emulator, over real loopback HTTP.

No mocks: each test starts the emulator on 127.0.0.1 and drives the real
`Client` (httpx) at it. What the tests check is what Ponte relies on: the
classification of every failure (transient, auth, outcome unknown, permanent),
that a message reaches WhatsApp once, and that the diagnostic records hold no
secret, token or message text.
"""

import asyncio
import base64
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from emulators.base import WebhookSink, sample_ogg_opus, sample_pdf, sample_png
from emulators.wppconnect import LOGGED_OUT, Emulator
from ponte.engines import adapter_for, wppconnect
from ponte.engines.base import (
    CallRecord,
    Credentials,
    EngineError,
    MediaReference,
    MediaTooLarge,
    OutboundMedia,
)
from ponte.engines.events import InboundMessage
from ponte.engines.wppconnect import Client

SECRET = "primary-Secret-0001"
ALTERNATES = ["alternate-Secret-0002", "alternate-Secret-0003"]
SESSION = "instance-7f3a"
CUSTOMER = "5511988880001"
TEXT = "Seu pedido 4821 saiu para entrega"
FAST = httpx.Timeout(connect=1, read=2, write=1, pool=1)
HANG = httpx.Timeout(connect=1, read=0.5, write=1, pool=1)
T = TypeVar("T")


@pytest.fixture
def emulator() -> Any:
    with Emulator(secrets=[SECRET], state="CONNECTED", logout_delay=0.01) as running:
        yield running


def drive(emulator: Emulator, scenario: Callable[[Client], Awaitable[T]], *,
          secret: str = SECRET, timeout: httpx.Timeout = FAST,
          records: list[CallRecord] | None = None) -> T:
    """Run one async scenario with a fresh client, the way Ponte's sender would."""
    sink = records if records is not None else []

    async def main() -> T:
        client = Client(Credentials(emulator.base_url, SESSION, secret),
                        recorder=sink.append, timeout=timeout)
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    result = asyncio.run(main())
    assert_nothing_secret(sink, emulator)
    return result


def failure(emulator: Emulator, scenario: Callable[[Client], Awaitable[Any]],
            **kwargs: Any) -> EngineError:
    with pytest.raises(EngineError) as caught:
        drive(emulator, scenario, **kwargs)
    return caught.value


def assert_nothing_secret(records: list[CallRecord], emulator: Emulator) -> None:
    """No secret, token, message text or phone number in any recorded field."""
    tokens = [r.headers.get("Authorization", "").removeprefix("Bearer ")
              for r in emulator.requests]
    forbidden = [SECRET, *ALTERNATES, "wrong-secret", TEXT, CUSTOMER, "553187654321",
                 *[t for t in tokens if t]]
    for record in records:
        shown = " ".join(str(value) for value in (record.method, record.path,
                                                  record.status_code, record.outcome,
                                                  record.error))
        for value in forbidden:
            assert value not in shown, (value, record)


# -- messages -------------------------------------------------------------------------------


def test_text_reaches_whatsapp_once_and_names_the_message(emulator: Emulator) -> None:
    sent = drive(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
    assert len(emulator.delivered) == 1
    assert emulator.delivered[0]["text"] == TEXT
    assert sent.engine_message_id == emulator.delivered[0]["engine_message_id"]
    assert sent.wa_id == CUSTOMER
    request = [r for r in emulator.requests if r.operation == "send_text"][0]
    assert request.json == {"phone": CUSTOMER, "isGroup": False, "isNewsletter": False,
                            "isLid": False, "message": TEXT}
    assert request.headers["Authorization"].startswith("Bearer $2b$10$")


@pytest.mark.parametrize("media,route,field", [
    (OutboundMedia("image", "foto.jpg", "image/jpeg", data=b"\xff\xd8\xff", caption="ok"),
     "send-image", "base64"),
    (OutboundMedia("image", "foto.jpg", "image/jpeg", url="https://cdn.example/f.jpg"),
     "send-image", "path"),
    (OutboundMedia("document", "nota.pdf", "application/pdf", data=b"%PDF-1.7"),
     "send-file", "base64"),
    (OutboundMedia("document", "nota.pdf", "application/pdf", url="https://cdn.example/n.pdf"),
     "send-file", "path"),
    (OutboundMedia("voice", "audio.ogg", "audio/ogg", data=b"OggS"), "send-voice-base64",
     "base64Ptt"),
    (OutboundMedia("voice", "audio.ogg", "audio/ogg", url="https://cdn.example/a.ogg"),
     "send-voice", "path"),
])
def test_media_from_a_file_or_a_url_takes_the_engines_route(
        emulator: Emulator, media: OutboundMedia, route: str, field: str) -> None:
    sent = drive(emulator, lambda c: c.send_media(CUSTOMER, media))
    request = [r for r in emulator.requests if r.operation == "send_media"][0]
    assert request.path.endswith(f"/{route}")
    source = request.json[field]
    if media.data is not None:
        expected = f"data:{media.mimetype};base64,{base64.b64encode(media.data).decode()}"
        assert source == expected
    else:
        assert source == media.url
    delivered = emulator.delivered[0]
    assert delivered["kind"] == media.kind
    assert sent.engine_message_id == delivered["engine_message_id"]


def test_media_without_data_or_url_is_refused_before_any_call(emulator: Emulator) -> None:
    error = failure(emulator, lambda c: c.send_media(
        CUSTOMER, OutboundMedia("image", "x.jpg", "image/jpeg")))
    assert not (error.transient or error.auth or error.outcome_unknown)
    assert emulator.requests == []


def test_number_check_answers_the_legacy_id_that_exists() -> None:
    with Emulator(secrets=[SECRET], state="CONNECTED", registered={"553187654321"}) as emu:
        check = drive(emu, lambda c: c.check_number("+55 (31) 98765-4321"))
        assert (check.exists, check.wa_id) == (True, "553187654321")
        missing = drive(emu, lambda c: c.check_number("5531900000000"))
        assert (missing.exists, missing.wa_id) == (False, None)


def test_send_to_an_eight_digit_era_number_uses_the_id_the_check_returned() -> None:
    with Emulator(secrets=[SECRET], state="CONNECTED", registered={"553187654321"}) as emu:
        async def check_then_send(client: Client) -> Any:
            check = await client.check_number("5531987654321")
            return await client.send_text(check.wa_id or "", TEXT)

        sent = drive(emu, check_then_send)
        assert sent.wa_id == "553187654321"
        assert emu.delivered[0]["to"] == "553187654321"
        send = [r for r in emu.requests if r.operation == "send_text"][0]
        assert send.json["phone"] == "553187654321"


def test_send_to_a_number_not_on_whatsapp_is_permanent(emulator: Emulator) -> None:
    emulator.registered = set()
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
    assert error.status_code == 400
    assert not (error.transient or error.auth or error.outcome_unknown)
    assert "não existe" in error.detail and CUSTOMER not in error.detail
    assert emulator.delivered == []


def test_recent_messages_list_what_the_chat_holds(emulator: Emulator) -> None:
    async def send_then_list(client: Client) -> tuple[Any, list[str]]:
        sent = await client.send_text(CUSTOMER, TEXT)
        return sent, await client.recent_message_ids(CUSTOMER)

    sent, ids = drive(emulator, send_then_list)
    assert ids == [sent.engine_message_id]
    recent = drive(emulator, lambda c: c.recent_messages(CUSTOMER))
    assert recent[0].from_me and recent[0].text == TEXT


def test_recent_messages_of_a_chat_whatsapp_never_held_are_none(emulator: Emulator) -> None:
    assert drive(emulator, lambda c: c.recent_message_ids("5511977776666")) == []


def test_profile_picture_is_the_url_whatsapp_serves_and_none_without_one(
        emulator: Emulator) -> None:
    url = emulator.set_picture(CUSTOMER)

    assert drive(emulator, lambda c: c.profile_picture(CUSTOMER)) == url
    assert httpx.get(url).headers["content-type"] == "image/png"
    assert drive(emulator, lambda c: c.profile_picture("5511977776666")) is None


def test_profile_picture_while_disconnected_is_an_error(emulator: Emulator) -> None:
    emulator.set_picture(CUSTOMER)
    emulator.set_state("CLOSED")
    error = failure(emulator, lambda c: c.profile_picture(CUSTOMER))
    assert error.status_code == 404 and not error.auth


# -- failures and their classification -------------------------------------------------------


def test_two_gateway_timeouts_then_success_deliver_exactly_once(emulator: Emulator) -> None:
    emulator.fail_next("send_text", status=504, times=2)
    for _ in range(2):
        error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
        assert error.transient and error.status_code == 504
        assert not (error.auth or error.outcome_unknown)
        assert emulator.delivered == []
    sent = drive(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
    assert len(emulator.delivered) == 1
    assert emulator.delivered[0]["engine_message_id"] == sent.engine_message_id


def test_timeout_after_receipt_is_an_unknown_outcome_found_in_the_chat(
        emulator: Emulator) -> None:
    emulator.hang_next("send_text", seconds=1.5)
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT), timeout=HANG)
    assert error.outcome_unknown and not error.transient
    assert len(emulator.delivered) == 1
    ids = drive(emulator, lambda c: c.recent_message_ids(CUSTOMER))
    assert emulator.delivered[0]["engine_message_id"] in ids


def test_timeout_on_a_read_only_call_is_simply_transient(emulator: Emulator) -> None:
    emulator.hang_next("status", seconds=1.5)
    error = failure(emulator, lambda c: c.session_status(), timeout=HANG)
    assert error.transient and not error.outcome_unknown


def test_refused_connection_is_transient(emulator: Emulator) -> None:
    emulator.stop()
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
    assert error.transient and not (error.auth or error.outcome_unknown)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(emulator: Emulator, status: int) -> None:
    emulator.fail_next("send_text", status=status)
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
    assert error.transient and error.status_code == status
    assert emulator.delivered == []


def test_send_while_the_session_is_not_connected_waits_for_it(emulator: Emulator) -> None:
    emulator.set_state("INITIALIZING")
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT))
    assert error.transient and error.status_code == 404
    assert "not connected" in error.detail


def test_wrong_secret_is_an_auth_failure(emulator: Emulator) -> None:
    error = failure(emulator, lambda c: c.authenticate("wrong-secret"))
    assert error.auth and error.status_code == 400
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, TEXT), secret="wrong-secret")
    assert error.auth
    assert emulator.delivered == []


def test_only_the_second_alternate_works_and_is_found_in_three_tries(
        emulator: Emulator) -> None:
    emulator.accepted_secrets = [ALTERNATES[1]]

    async def try_each(client: Client) -> list[bool]:
        outcomes = []
        for secret in [SECRET, *ALTERNATES]:
            try:
                await client.authenticate(secret)
            except EngineError as exc:
                assert exc.auth
                outcomes.append(False)
            else:
                outcomes.append(True)
                break
        await client.send_text(CUSTOMER, TEXT)  # later calls use the secret that worked
        return outcomes

    assert drive(emulator, try_each) == [False, False, True]
    tokens = [r for r in emulator.requests if r.operation == "token"]
    assert len(tokens) == 3 and len(emulator.delivered) == 1


def test_a_stale_token_is_regenerated_once_with_the_last_good_secret(
        emulator: Emulator) -> None:
    records: list[CallRecord] = []

    async def with_stale_token(client: Client) -> Any:
        client.session_token = "$2b$10$" + "x" * 53  # as restored from an older server
        return await client.send_text(CUSTOMER, TEXT)

    drive(emulator, with_stale_token, records=records)
    assert [(r.outcome, r.status_code) for r in records] == [
        ("auth", 401), ("ok", 201), ("ok", 201)]
    assert "/<secret>/generate-token" in records[1].path
    assert len(emulator.delivered) == 1


def test_a_secret_the_server_dropped_ends_in_auth_after_one_regeneration(
        emulator: Emulator) -> None:
    async def authenticated_then_rotated(client: Client) -> Any:
        await client.authenticate(SECRET)
        emulator.accepted_secrets = ["rotated-by-the-operator"]
        return await client.session_status()

    error = failure(emulator, authenticated_then_rotated)
    assert error.auth
    assert [r.operation for r in emulator.requests] == ["token", "status", "token"]


# -- session ---------------------------------------------------------------------------------


def test_session_lifecycle_from_start_to_qr_to_connected(emulator: Emulator) -> None:
    emulator.set_state(LOGGED_OUT, SESSION)

    async def lifecycle(client: Client) -> list[Any]:
        seen = [await client.session_status()]
        seen.append(await client.start_session("http://127.0.0.1:9/hook"))
        seen.append(await client.session_status())
        seen.append(await client.qr_code())
        seen.append(emulator.qr_png(SESSION))
        emulator.scan_qr(SESSION)
        seen.append(await client.session_status())
        seen.append(await client.qr_code())
        return seen

    before, started, waiting, qr, png, connected, no_qr = drive(emulator, lifecycle)
    assert before.state == "disconnected" and before.detail == "CLOSED"
    assert started.state == "starting"  # the answer names the state from before the start
    assert waiting.state == "qrcode" and waiting.qr and waiting.qr.startswith(
        "data:image/png;base64,")
    assert qr.state == "qrcode" and qr.qr
    assert base64.b64decode(qr.qr.split(",", 1)[1]) == png
    assert connected.state == "connected" and connected.qr is None
    assert no_qr.state == "connected" and no_qr.qr is None
    start = [r for r in emulator.requests if r.operation == "start"][0]
    assert start.json == {"webhook": "http://127.0.0.1:9/hook", "waitQrCode": False}


def test_start_while_whatsapp_is_unreachable_stays_starting() -> None:
    with Emulator(secrets=[SECRET], whatsapp_reachable=False) as emu:
        async def start(client: Client) -> list[Any]:
            return [await client.start_session("http://127.0.0.1:9/hook"),
                    await client.session_status(), await client.qr_code()]

        started, status, qr = drive(emu, start)
        assert started.state == status.state == qr.state == "starting"
        assert qr.qr is None


def test_qr_code_of_a_session_never_started_says_disconnected(emulator: Emulator) -> None:
    emulator.set_state("CLOSED", SESSION)
    status = drive(emulator, lambda c: c.qr_code())
    assert status.state == "disconnected" and status.qr is None


def test_close_of_a_connected_session_closes_it(emulator: Emulator) -> None:
    async def close(client: Client) -> Any:
        await client.close_session()
        return await client.session_status()

    assert drive(emulator, close).state == "disconnected"
    assert [r.operation for r in emulator.requests].count("close") == 1


def test_close_of_a_session_that_never_connected_succeeds_after_the_servers_500(
        emulator: Emulator) -> None:
    emulator.set_state("INITIALIZING", SESSION)
    drive(emulator, lambda c: c.close_session())
    assert [r.operation for r in emulator.requests].count("close") == 2
    assert emulator.state_of(SESSION) is None


def test_logout_then_restart_asks_for_a_new_qr_code(emulator: Emulator) -> None:
    async def reset(client: Client) -> list[Any]:
        await client.logout()
        await client.close_session()
        await client.start_session("http://127.0.0.1:9/hook")
        first = await client.qr_code()
        await client.logout()  # not connected now: the stored login is cleared instead
        await client.close_session()
        await client.start_session("http://127.0.0.1:9/hook")
        return [first, await client.qr_code()]

    first, second = drive(emulator, reset)
    assert first.state == second.state == "qrcode"
    assert first.qr and second.qr and first.qr != second.qr
    paths = [r.path for r in emulator.requests]
    assert any(p.endswith(f"/{SECRET}/clear-session-data") for p in paths)


def test_configure_webhook_starts_the_session_with_it(emulator: Emulator) -> None:
    emulator.set_state("CLOSED", SESSION)
    drive(emulator, lambda c: c.configure_webhook("http://127.0.0.1:9/webhooks/1/abc"))
    request = [r for r in emulator.requests if r.operation == "start"][0]
    assert request.json == {"webhook": "http://127.0.0.1:9/webhooks/1/abc",
                            "waitQrCode": False}
    assert emulator.webhook_url(SESSION) == "http://127.0.0.1:9/webhooks/1/abc"


# -- the diagnostic log -----------------------------------------------------------------------


def test_call_records_never_hold_a_secret_a_token_or_the_message(emulator: Emulator) -> None:
    records: list[CallRecord] = []
    emulator.registered = {CUSTOMER}
    emulator.fail_next("send_text", status=500)

    async def everything(client: Client) -> None:
        await client.authenticate(SECRET)
        with pytest.raises(EngineError):
            await client.authenticate("wrong-secret")
        with pytest.raises(EngineError):
            await client.send_text(CUSTOMER, TEXT)
        await client.send_text(CUSTOMER, TEXT)
        with pytest.raises(EngineError):
            await client.send_text("553187654321", TEXT)
        await client.send_media(CUSTOMER, OutboundMedia("document", "a.pdf", "application/pdf",
                                                        data=b"%PDF"))
        await client.check_number(CUSTOMER)
        await client.recent_message_ids(CUSTOMER)
        await client.session_status()
        await client.qr_code()
        await client.logout()
        await client.close_session()
        await client.start_session("http://127.0.0.1:9/hook")
        await client.configure_webhook("http://127.0.0.1:9/hook")

    drive(emulator, everything, records=records)
    assert len(records) >= 15
    assert all(r.path.startswith(f"/api/{SESSION}/") for r in records)
    assert any(r.path == f"/api/{SESSION}/<secret>/generate-token" for r in records)
    assert any(r.path == f"/api/{SESSION}/check-number-status/<phone>" for r in records)
    failed = [r for r in records if r.outcome != "ok"]
    assert failed and all(r.error for r in failed)


# -- received media -------------------------------------------------------------------------


def media_webhook(emulator: Emulator, sink: WebhookSink, data: bytes, **kwargs: Any
                  ) -> InboundMessage:
    """A customer's file, as the webhook Ponte receives parses it."""
    drive(emulator, lambda c: c.start_session(sink.url))
    emulator.receive_media(CUSTOMER, data, session=SESSION, **kwargs)
    assert emulator.wait_for_webhooks()
    message = wppconnect.parse(sink.bodies[-1])[-1]
    assert isinstance(message, InboundMessage)
    return message


def reference_of(message: InboundMessage) -> MediaReference:
    """What the download queue knows of a stored message, as it builds the reference."""
    assert message.media is not None
    return MediaReference(engine_message_id=message.engine_message_id,
                          engine_reference=message.media.engine_reference,
                          mimetype=message.media.mimetype,
                          chat_wa_id=message.chat.wa_user or "", from_me=message.from_me)


@pytest.fixture
def by_reference() -> Any:
    """A server with autoDownload off: webhooks name the file, the route serves it."""
    with Emulator(secrets=[SECRET], logged_in=True, auto_download=False) as running:
        yield running


def test_a_voice_note_the_webhook_named_downloads_byte_for_byte(
        by_reference: Emulator, webhook_sink: WebhookSink) -> None:
    voice = sample_ogg_opus(3.0)
    message = media_webhook(by_reference, webhook_sink, voice, kind="voice")
    assert message.media.inline_base64 is None and message.media.duration == 3.0
    records: list[CallRecord] = []
    got = drive(by_reference, lambda c: c.download_media(reference_of(message)),
                records=records)
    assert got.data == voice and got.mimetype == "audio/ogg; codecs=opus"
    request = [r for r in by_reference.requests if r.operation == "download_media"][0]
    assert request.json == {"messageId": message.media.engine_reference}
    assert [(r.path, r.outcome) for r in records][-1] == (f"/api/{SESSION}/download-media", "ok")


def test_without_the_key_it_is_rebuilt_from_the_chat(by_reference: Emulator,
                                                    webhook_sink: WebhookSink) -> None:
    photo = sample_png("rebuilt")
    message = media_webhook(by_reference, webhook_sink, photo, kind="image")
    for chat in (CUSTOMER, f"{CUSTOMER}@c.us", f"{CUSTOMER}@s.whatsapp.net"):
        reference = MediaReference(message.engine_message_id, None, chat_wa_id=chat)
        assert drive(by_reference, lambda c, r=reference: c.download_media(r)).data == photo


def test_a_file_whatsapp_dropped_is_gone_not_worth_retrying(
        by_reference: Emulator, webhook_sink: WebhookSink) -> None:
    message = media_webhook(by_reference, webhook_sink, sample_pdf(), kind="document",
                            filename="pedido.pdf")
    by_reference.expire_media(message.engine_message_id)
    error = failure(by_reference, lambda c: c.download_media(reference_of(message)))
    assert (error.kind, error.status_code) == ("media_gone", 400)
    assert not (error.transient or error.auth or error.outcome_unknown)


def test_download_failures_that_pass_are_transient(by_reference: Emulator,
                                                   webhook_sink: WebhookSink) -> None:
    message = media_webhook(by_reference, webhook_sink, sample_png(), kind="image")
    reference = reference_of(message)
    by_reference.fail_next("download_media", status=500)
    engine = failure(by_reference, lambda c: c.download_media(reference))
    assert engine.transient and engine.kind == "engine_failure"
    by_reference.hang_next("download_media", seconds=2)
    slow = failure(by_reference, lambda c: c.download_media(reference), timeout=HANG)
    # Nothing changes on a download: no answer is only worth trying again.
    assert slow.transient and not slow.outcome_unknown and slow.kind == "no_answer"
    by_reference.set_state("CLOSED", SESSION)
    closed = failure(by_reference, lambda c: c.download_media(reference))
    assert closed.transient and closed.kind == "not_connected"


def test_a_file_past_the_limit_is_refused_without_reading_it_whole(
        by_reference: Emulator, webhook_sink: WebhookSink) -> None:
    big = os.urandom(600_000)
    message = media_webhook(by_reference, webhook_sink, big, kind="document",
                            mimetype="application/zip")
    records: list[CallRecord] = []
    error = failure(by_reference, lambda c: c.download_media(reference_of(message),
                                                             max_bytes=100_000),
                    records=records)
    assert isinstance(error, MediaTooLarge)
    assert (error.kind, error.limit) == ("refused", 100_000)
    assert error.detail.startswith("too large") and not error.transient
    # The answer (800 KB of base64) was given up a little past the limit's worth of it.
    assert records[-1].outcome == "too_large"
    # A file just over the limit, whose answer fits the envelope, is refused all the same.
    small = failure(by_reference, lambda c: c.download_media(reference_of(message),
                                                             max_bytes=len(big) - 1))
    assert isinstance(small, MediaTooLarge)
    fits = drive(by_reference, lambda c: c.download_media(reference_of(message),
                                                          max_bytes=len(big)))
    assert fits.data == big


def test_a_body_that_carried_the_file_keeps_none_once_scrubbed(
        emulator: Emulator, webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[SECRET], logged_in=True) as auto:
        photo = sample_png("inline")
        message = media_webhook(auto, webhook_sink, photo, kind="image")
        assert base64.b64decode(message.media.inline_base64) == photo
        body = webhook_sink.bodies[-1]
        adapter = adapter_for("wppconnect")
        assert adapter.scrub_media(body) is True
        assert base64.b64encode(photo).decode() not in json.dumps(body)
        again = wppconnect.parse(body)[-1]
        assert again.media.inline_base64 is None
        assert again.media.engine_reference == message.media.engine_reference
        assert adapter.scrub_media(body) is False


@pytest.mark.parametrize("media,voice", [
    (OutboundMedia("audio", "musica.mp3", "audio/mpeg", data=b"ID3\x04 song"), False),
    (OutboundMedia("video", "video.mp4", "video/mp4", data=b"\x00\x00\x00\x18ftypmp42",
                   caption="olha"), False),
    (OutboundMedia("sticker", "s.webp", "image/webp", data=b"RIFF\x00\x00\x00\x00WEBPVP8 "),
     False),
    (OutboundMedia("document", "foto.png", "image/png", data=sample_png("doc")), False),
    (OutboundMedia("voice", "voz.ogg", "audio/ogg; codecs=opus", data=sample_ogg_opus(1.0)),
     True),
])
def test_each_kind_reaches_whatsapp_as_that_kind_with_its_bytes(
        emulator: Emulator, media: OutboundMedia, voice: bool) -> None:
    sent = drive(emulator, lambda c: c.send_media(CUSTOMER, media))
    [received] = emulator.media_sends
    assert (received.kind, received.voice, received.data) == (media.kind, voice, media.data)
    assert received.caption == media.caption and received.to == CUSTOMER
    assert received.engine_message_id == sent.engine_message_id


def test_a_file_larger_than_the_server_reads_is_refused_for_good() -> None:
    with Emulator(secrets=[SECRET], state="CONNECTED", body_limit=10_000) as small:
        media = OutboundMedia("video", "v.mp4", "video/mp4", data=os.urandom(20_000))
        error = failure(small, lambda c: c.send_media(CUSTOMER, media))
        assert (error.status_code, error.kind) == (413, "refused")
        assert not (error.transient or error.outcome_unknown)
        assert small.media_sends == []
