"""The Evolution client against the emulator, over real loopback HTTP (nothing patched)."""

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import pytest

from emulators.base import WebhookSink, sample_ogg_opus, sample_pdf, sample_png
from emulators.evolution import Emulator
from ponte.engines import adapter_for
from ponte.engines.base import (
    CallRecord,
    Credentials,
    EngineError,
    MediaReference,
    MediaTooLarge,
    OutboundMedia,
)
from ponte.engines.events import InboundMessage
from ponte.engines.evolution import Client, parse

SECRET = "evo-apikey-7f3a9c1e2b"
CUSTOMER = "5521998765432"
FAST = httpx.Timeout(connect=1, read=2, write=1, pool=1)
IMPATIENT = httpx.Timeout(connect=1, read=0.5, write=1, pool=1)

T = TypeVar("T")


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(secrets=[SECRET]) as server:
        yield server


@asynccontextmanager
async def client_for(server: Emulator, *, secret: str = SECRET, timeout: httpx.Timeout = FAST,
                     records: list[CallRecord] | None = None,
                     session: str | None = None) -> AsyncIterator[Client]:
    credentials = Credentials(base_url=server.base_url, session=session or server.instance,
                              secret=secret)
    recorder = records.append if records is not None else None
    client = Client(credentials, http=httpx.AsyncClient(timeout=timeout), recorder=recorder)
    try:
        yield client
    finally:
        await client.aclose()


def run(server: Emulator, scenario: Callable[[Client], Awaitable[T]], **options: Any) -> T:
    """Run one async scenario with a fresh client (pytest-asyncio is not installed)."""
    async def main() -> T:
        async with client_for(server, **options) as client:
            return await scenario(client)
    return asyncio.run(main())


def failure(server: Emulator, scenario: Callable[[Client], Awaitable[Any]],
            **options: Any) -> EngineError:
    with pytest.raises(EngineError) as caught:
        run(server, scenario, **options)
    return caught.value


# --- messages ------------------------------------------------------------------------


def test_text_reaches_whatsapp_with_the_engine_message_id(emulator: Emulator) -> None:
    sent = run(emulator, lambda c: c.send_text(CUSTOMER, "Olá! Seu pedido saiu."))
    assert sent.wa_id == CUSTOMER
    assert emulator.delivered == [{
        "to": CUSTOMER, "jid": CUSTOMER + "@s.whatsapp.net", "kind": "text",
        "text": "Olá! Seu pedido saiu.", "engine_message_id": sent.engine_message_id,
        "instance": "crm-main"}]


def test_eight_digit_era_number_is_sent_to_the_id_the_number_check_returned() -> None:
    with Emulator(secrets=[SECRET], registered={"553187654321"}) as server:
        async def scenario(client: Client) -> Any:
            check = await client.check_number("5531987654321")
            return check, await client.send_text(check.wa_id, "Oi")
        check, sent = run(server, scenario)
        assert (check.exists, check.wa_id) == (True, "553187654321")
        assert sent.wa_id == "553187654321"
        assert server.delivered[0]["to"] == "553187654321"


def test_number_without_whatsapp_has_no_id() -> None:
    with Emulator(secrets=[SECRET], registered=set()) as server:
        check = run(server, lambda c: c.check_number("+55 21 99876-5432"))
    assert (check.exists, check.wa_id) == (False, None)


def test_profile_picture_is_the_cdn_url_or_none_when_hidden(emulator: Emulator) -> None:
    url = emulator.set_picture(CUSTOMER)
    assert run(emulator, lambda c: c.profile_picture(CUSTOMER)) == url
    assert run(emulator, lambda c: c.profile_picture("5511977776666")) is None
    asked = [r for r in emulator.requests if r.path.startswith("/chat/fetchProfilePictureUrl/")]
    assert asked[0].json == {"number": CUSTOMER}


def test_profile_picture_of_a_closed_instance_is_a_transient_error(emulator: Emulator) -> None:
    emulator.set_state("close")
    error = failure(emulator, lambda c: c.profile_picture(CUSTOMER))
    assert error.transient and error.status_code == 500


def test_sending_to_a_number_without_whatsapp_is_permanent() -> None:
    with Emulator(secrets=[SECRET], registered=set()) as server:
        error = failure(server, lambda c: c.send_text(CUSTOMER, "Oi"))
    assert not (error.transient or error.auth or error.outcome_unknown)
    assert error.status_code == 400 and "not on WhatsApp" in error.detail


@pytest.mark.parametrize(("media", "kind"), [
    (OutboundMedia("image", "foto.png", "image/png", data=b"\x89PNG-bytes", caption="Foto"),
     "image"),
    (OutboundMedia("document", "boleto.pdf", "application/pdf",
                   url="https://files.example.com/boleto.pdf"), "document"),
    (OutboundMedia("voice", "nota.ogg", "audio/ogg", data=b"OggS-voice"), "voice"),
])
def test_media_from_a_file_or_a_url_reaches_whatsapp(emulator: Emulator, media: OutboundMedia,
                                                     kind: str) -> None:
    sent = run(emulator, lambda c: c.send_media(CUSTOMER, media))
    delivered = emulator.delivered[0]
    assert (delivered["kind"], delivered["engine_message_id"]) == (kind, sent.engine_message_id)
    assert delivered["source"] == ("base64" if media.data else "url")
    if media.kind != "voice":
        body = emulator.requests[-1].json
        assert (body["mimetype"], body["fileName"]) == (media.mimetype, media.filename)


def test_empty_text_is_refused_with_the_engine_message(emulator: Emulator) -> None:
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, ""))
    assert not (error.transient or error.auth)
    assert 'The "text" cannot be empty' in error.detail


def test_recent_messages_list_the_chat_newest_first(emulator: Emulator) -> None:
    async def scenario(client: Client) -> Any:
        sent = [await client.send_text(CUSTOMER, f"mensagem {i}") for i in range(3)]
        return sent, await client.recent_message_ids(CUSTOMER, limit=2)
    sent, ids = run(emulator, scenario)
    assert ids == [sent[2].engine_message_id, sent[1].engine_message_id]


# --- retries and unknown outcomes ----------------------------------------------------


def test_two_gateway_timeouts_then_success_deliver_exactly_once(emulator: Emulator) -> None:
    emulator.fail_next("send_text", status=504, times=2)

    async def scenario(client: Client) -> list[Any]:
        outcomes: list[Any] = []
        for _ in range(3):
            try:
                outcomes.append(await client.send_text(CUSTOMER, "Uma vez só"))
            except EngineError as exc:
                outcomes.append(exc)
        return outcomes
    first, second, third = run(emulator, scenario)
    for error in (first, second):
        assert isinstance(error, EngineError)
        assert error.transient and not error.outcome_unknown and error.status_code == 504
    assert third.engine_message_id == emulator.delivered[0]["engine_message_id"]
    assert len(emulator.delivered) == 1


def test_answer_lost_after_receipt_is_unknown_and_found_in_the_chat(
        emulator: Emulator, webhook_sink: WebhookSink) -> None:
    async def scenario(client: Client) -> Any:
        await client.configure_webhook(webhook_sink.url)
        emulator.hang_next("send_text", seconds=2.0)
        try:
            await client.send_text(CUSTOMER, "Chegou?")
        except EngineError as exc:
            return exc, await client.recent_message_ids(CUSTOMER)
        raise AssertionError("the send should have timed out")
    error, recent = run(emulator, scenario, timeout=IMPATIENT)
    assert error.outcome_unknown and not error.transient
    assert len(emulator.delivered) == 1
    message_id = emulator.delivered[0]["engine_message_id"]
    assert recent == [message_id]
    echo = [e for body in webhook_sink.wait_for(1) for e in parse(body)
            if isinstance(e, InboundMessage)]
    assert [(e.engine_message_id, e.from_me) for e in echo] == [(message_id, True)]


def test_slow_status_beyond_the_timeout_is_transient(emulator: Emulator) -> None:
    emulator.hang_next("status", seconds=2.0)
    error = failure(emulator, lambda c: c.session_status(), timeout=IMPATIENT)
    assert error.transient and not error.outcome_unknown


def test_slow_answers_within_the_timeout_succeed() -> None:
    with Emulator(secrets=[SECRET], latency=0.2) as server:
        status = run(server, lambda c: c.session_status())
    assert status.state == "connected"


def test_refused_connection_is_transient(emulator: Emulator) -> None:
    emulator.stop()
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, "Oi"))
    assert error.transient and not error.outcome_unknown
    assert emulator.delivered == []


def test_session_closed_on_the_engine_is_transient_for_a_send(emulator: Emulator) -> None:
    emulator.set_state("close", status_reason=428)
    error = failure(emulator, lambda c: c.send_text(CUSTOMER, "Oi"))
    assert error.transient and error.status_code == 500


# --- credentials ---------------------------------------------------------------------


def test_wrong_apikey_is_an_auth_error(emulator: Emulator) -> None:
    error = failure(emulator, lambda c: c.session_status(), secret="stale-key")
    assert error.auth and error.status_code == 401 and not error.transient


def test_authenticate_adopts_the_alternate_the_engine_accepts(emulator: Emulator) -> None:
    emulator.accepted_secrets = ["alternate-2"]

    async def scenario(client: Client) -> Any:
        with pytest.raises(EngineError) as first:
            await client.authenticate("alternate-1")
        await client.authenticate("alternate-2")
        return first.value, await client.session_status()
    rejected, status = run(emulator, scenario, secret="old-key")
    assert rejected.auth
    assert status.state == "connected"
    assert emulator.requests[-1].headers["apikey"] == "alternate-2"


def test_unknown_instance_is_a_permanent_error() -> None:
    with Emulator(secrets=[SECRET], instance="another-shop") as server:
        error = failure(server, lambda c: c.session_status(), session="crm-main")
    assert error.status_code == 404 and not (error.transient or error.auth)
    assert 'The "crm-main" instance does not exist' in error.detail


# --- session -------------------------------------------------------------------------


@pytest.mark.parametrize(("arrange", "expected"), [
    (lambda e: e.set_state("open"), "connected"),
    (lambda e: e.set_state("connecting", logged_out=True), "starting"),
    (lambda e: e.set_state("close", logged_out=True), "notlogged"),
    (lambda e: e.set_state("close", status_reason=428), "disconnected"),
])
def test_session_status_maps_the_engine_states(emulator: Emulator,
                                               arrange: Callable[[Emulator], None],
                                               expected: str) -> None:
    arrange(emulator)
    assert run(emulator, lambda c: c.session_status()).state == expected


def test_never_paired_instance_is_notlogged() -> None:
    with Emulator(secrets=[SECRET], state="close") as server:
        assert run(server, lambda c: c.session_status()).state == "notlogged"


def test_start_sets_the_webhook_and_shows_a_qr_code(webhook_sink: WebhookSink) -> None:
    with Emulator(secrets=[SECRET], state="close") as server:
        status = run(server, lambda c: c.start_session(webhook_sink.url))
        assert status.state == "qrcode"
        assert status.qr == server.qr["base64"]
        assert status.qr.startswith("data:image/png;base64,")
        bodies = webhook_sink.wait_for(2)
    assert [b["event"] for b in bodies] == ["connection.update", "qrcode.updated"]
    assert bodies[1]["data"]["qrcode"]["base64"] == status.qr


def test_start_of_a_paired_instance_reconnects_without_qr(emulator: Emulator) -> None:
    emulator.set_state("close", status_reason=428)
    status = run(emulator, lambda c: c.start_session(""))
    assert status.state in ("starting", "connected") and status.qr is None
    assert run(emulator, lambda c: c.session_status()).state == "connected"


def test_qr_code_of_an_open_session_is_connected(emulator: Emulator) -> None:
    status = run(emulator, lambda c: c.qr_code())
    assert (status.state, status.qr) == ("connected", None)


def test_reset_logs_out_and_yields_a_new_qr_code(emulator: Emulator) -> None:
    async def scenario(client: Client) -> Any:
        await client.logout()
        logged_out = await client.session_status()
        first = await client.start_session("")
        await client.close_session()  # restart while pairing: a fresh code
        second = await client.qr_code()
        return logged_out, first, second
    logged_out, first, second = run(emulator, scenario)
    assert logged_out.state == "notlogged"
    assert first.state == second.state == "qrcode"
    assert first.qr != second.qr


def test_close_keeps_the_pairing(emulator: Emulator) -> None:
    run(emulator, lambda c: c.close_session())
    assert emulator.logged_in
    assert run(emulator, lambda c: c.session_status()).state == "connected"


def test_close_and_logout_of_a_closed_instance_are_no_ops(emulator: Emulator) -> None:
    emulator.set_state("close", logged_out=True)

    async def scenario(client: Client) -> None:
        await client.close_session()
        await client.logout()
    run(emulator, scenario)
    assert emulator.state == "close"


def test_configure_webhook_subscribes_the_events_ponte_reads(emulator: Emulator,
                                                              webhook_sink: WebhookSink) -> None:
    run(emulator, lambda c: c.configure_webhook(webhook_sink.url))
    hook = emulator.requests[-1].json["webhook"]
    assert hook["url"] == webhook_sink.url and hook["enabled"] is True
    assert {"SEND_MESSAGE", "MESSAGES_UPDATE", "CONNECTION_UPDATE", "QRCODE_UPDATED"} \
        <= set(hook["events"])


# --- the diagnostic log --------------------------------------------------------------


def test_call_records_hold_no_apikey_or_message_content(webhook_sink: WebhookSink) -> None:
    text = "Segredo do cliente: pedido 4711"
    records: list[CallRecord] = []
    with Emulator(secrets=["alternate-key-2"], registered={"553187654321"}) as server:
        async def scenario(client: Client) -> None:
            with pytest.raises(EngineError):
                await client.session_status()
            with pytest.raises(EngineError):
                await client.authenticate("wrong-key-1")
            await client.authenticate("alternate-key-2")
            await client.configure_webhook(webhook_sink.url + "/tok-3d9f")
            check = await client.check_number("5531987654321")
            server.fail_next("send_text", status=504)
            with pytest.raises(EngineError):
                await client.send_text(check.wa_id, text)
            await client.send_text(check.wa_id, text)
            await client.send_media(check.wa_id, OutboundMedia(
                "image", "a.png", "image/png", data=b"x", caption=text))
            with pytest.raises(EngineError):
                await client.send_text("5521998765432", text)
            await client.recent_message_ids(check.wa_id)
            await client.logout()
            await client.session_status()
            await client.start_session(webhook_sink.url + "/tok-3d9f")
        run(server, scenario, secret=SECRET, records=records)
        assert all("apikey" in r.headers for r in server.requests)
    assert len(records) >= 12
    assert {r.outcome for r in records} >= {"ok", "auth", "http_error"}
    for record in records:
        shown = f"{record.method} {record.path} {record.error}"
        for secret in (SECRET, "wrong-key-1", "alternate-key-2", "tok-3d9f", text, "Segredo"):
            assert secret not in shown


# --- received media ------------------------------------------------------------------


def media_webhook(server: Emulator, sink: WebhookSink, data: bytes,
                  **kwargs: Any) -> InboundMessage:
    """A customer's file, as the webhook Ponte configured (base64 off) delivers it."""
    run(server, lambda c: c.configure_webhook(sink.url))
    server.receive_media(CUSTOMER, data, **kwargs)
    assert server.wait_for_webhooks()
    message = parse(sink.bodies[-1])[-1]
    assert isinstance(message, InboundMessage)
    return message


def reference_of(message: InboundMessage) -> MediaReference:
    assert message.media is not None
    return MediaReference(engine_message_id=message.engine_message_id,
                          engine_reference=message.media.engine_reference,
                          mimetype=message.media.mimetype,
                          chat_wa_id=message.chat.wa_user or "", from_me=message.from_me)


def test_a_photo_webhook_without_base64_downloads_by_its_id(emulator: Emulator,
                                                            webhook_sink: WebhookSink) -> None:
    photo = sample_png("evolution")
    message = media_webhook(emulator, webhook_sink, photo, kind="image", caption="Azul")
    assert message.media.inline_base64 is None, "Ponte sets the webhook's base64 off"
    records: list[CallRecord] = []
    got = run(emulator, lambda c: c.download_media(reference_of(message)), records=records)
    assert (got.data, got.mimetype) == (photo, "image/png")
    request = emulator.requests[-1]
    assert request.path == "/chat/getBase64FromMediaMessage/crm-main"
    assert request.json == {"message": {"key": {"id": message.engine_message_id,
                                                "fromMe": False}},
                            "convertToMp4": False}
    assert records[-1].outcome == "ok" and SECRET not in repr(records)


def test_a_document_comes_back_with_its_name(emulator: Emulator,
                                             webhook_sink: WebhookSink) -> None:
    pdf = sample_pdf()
    message = media_webhook(emulator, webhook_sink, pdf, kind="document",
                            filename="boleto.pdf", caption="segue o boleto")
    got = run(emulator, lambda c: c.download_media(reference_of(message)))
    assert (got.data, got.mimetype, got.filename) == (pdf, "application/pdf", "boleto.pdf")


def test_a_file_evolution_cannot_fetch_any_more_is_gone(emulator: Emulator,
                                                       webhook_sink: WebhookSink) -> None:
    message = media_webhook(emulator, webhook_sink, sample_ogg_opus(2.0), kind="voice")
    emulator.expire_media(message.engine_message_id)
    gone = failure(emulator, lambda c: c.download_media(reference_of(message)))
    assert (gone.kind, gone.status_code) == ("media_gone", 400)
    assert not (gone.transient or gone.auth or gone.outcome_unknown)
    assert "mmg.whatsapp.net/v/" not in gone.detail
    unknown = MediaReference("3A0000000000000000FF", None)
    assert failure(emulator, lambda c: c.download_media(unknown)).kind == "media_gone"


def test_download_failures_that_pass_are_transient(emulator: Emulator,
                                                   webhook_sink: WebhookSink) -> None:
    message = media_webhook(emulator, webhook_sink, sample_png(), kind="image")
    reference = reference_of(message)
    emulator.fail_next("download_media", status=502)
    assert failure(emulator, lambda c: c.download_media(reference)).kind == "engine_failure"
    emulator.fail_next("download_media", status=400,
                       body={"status": 400, "error": "Bad Request",
                             "response": {"message": ["Error: Connection Closed"]}})
    closed = failure(emulator, lambda c: c.download_media(reference))
    assert closed.transient and closed.kind == "not_connected"
    emulator.hang_next("download_media", seconds=2)
    slow = failure(emulator, lambda c: c.download_media(reference), timeout=IMPATIENT)
    assert slow.transient and slow.kind == "no_answer"


def test_a_file_past_the_limit_is_refused(emulator: Emulator, webhook_sink: WebhookSink) -> None:
    big = os.urandom(500_000)
    message = media_webhook(emulator, webhook_sink, big, kind="document",
                            mimetype="application/zip", filename="fotos.zip")
    records: list[CallRecord] = []
    error = failure(emulator, lambda c: c.download_media(reference_of(message),
                                                         max_bytes=50_000), records=records)
    assert isinstance(error, MediaTooLarge) and error.kind == "refused"
    assert records[-1].outcome == "too_large"


def test_a_webhook_with_base64_on_carries_the_file_and_scrubs_clean(
        emulator: Emulator, webhook_sink: WebhookSink) -> None:
    photo = sample_png("inline")
    message = media_webhook(emulator, webhook_sink, photo, kind="image", inline=True)
    assert base64.b64decode(message.media.inline_base64) == photo
    body = webhook_sink.bodies[-1]
    adapter = adapter_for("evolution")
    assert adapter.scrub_media(body) is True
    assert parse(body)[-1].media.inline_base64 is None
    assert adapter.scrub_media(body) is False


@pytest.mark.parametrize(("media", "voice"), [
    (OutboundMedia("audio", "musica.mp3", "audio/mpeg", data=b"ID3\x04song"), False),
    (OutboundMedia("video", "v.mp4", "video/mp4", data=b"\x00\x00\x00\x18ftypmp42",
                   caption="olha"), False),
    (OutboundMedia("sticker", "s.webp", "image/webp", data=b"RIFF\x00\x00\x00\x00WEBPVP8 "),
     False),
    (OutboundMedia("voice", "voz.ogg", "audio/ogg; codecs=opus", data=sample_ogg_opus(1.0)),
     True),
])
def test_each_kind_reaches_whatsapp_as_that_kind_with_its_bytes(
        emulator: Emulator, media: OutboundMedia, voice: bool) -> None:
    sent = run(emulator, lambda c: c.send_media(CUSTOMER, media))
    [received] = emulator.media_sends
    assert (received.kind, received.voice, received.data) == (media.kind, voice, media.data)
    assert (received.caption, received.engine_message_id) == (media.caption,
                                                             sent.engine_message_id)


def test_a_file_larger_than_evolution_reads_is_refused_for_good() -> None:
    with Emulator(secrets=[SECRET], body_limit=10_000) as small:
        media = OutboundMedia("document", "a.zip", "application/zip", data=os.urandom(20_000))
        error = failure(small, lambda c: c.send_media(CUSTOMER, media))
        assert (error.status_code, error.kind) == (413, "refused")
        assert not (error.transient or error.outcome_unknown) and small.media_sends == []
