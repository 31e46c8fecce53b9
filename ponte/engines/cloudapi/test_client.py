"""The Cloud API client against the emulator, over real loopback HTTP (no mocks)."""

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from emulators.base import WebhookSink, sample_ogg_opus, sample_pdf, sample_png
from emulators.cloudapi import Emulator
from ponte.engines import cloudapi, registry
from ponte.engines.base import (
    CallRecord,
    Credentials,
    EngineError,
    MediaReference,
    MediaTooLarge,
    OutboundMedia,
)
from ponte.engines.cloudapi import Client
from ponte.engines.events import InboundMessage

TOKEN = "EAAsecret-token-never-logged"
PHONE_ID = "106540352242922"
APP_SECRET = "test-app-secret"
QUICK = httpx.Timeout(connect=1, read=0.5, write=1, pool=1)
# For calls that are not about slowness: a loaded machine can take more than half a second.
PATIENT = httpx.Timeout(5)
T = TypeVar("T")


@pytest.fixture
def emulator(webhook_sink: WebhookSink) -> Iterator[Emulator]:
    with Emulator(secrets=[TOKEN], phone_number_id=PHONE_ID, webhook_url=webhook_sink.url,
                  app_secret=APP_SECRET) as running:
        yield running


@pytest.fixture
def records() -> list[CallRecord]:
    return []


def run(emulator: Emulator, records: list[CallRecord],
        scenario: Callable[[Client], Awaitable[T]], *, token: str = TOKEN,
        timeout: httpx.Timeout = QUICK) -> T:
    """Run one async scenario with a fresh client whose calls land in `records`."""

    async def main() -> T:
        client = Client(Credentials(emulator.base_url, "session", token, PHONE_ID),
                        recorder=records.append, timeout=timeout)
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def fails(emulator: Emulator, records: list[CallRecord],
          scenario: Callable[[Client], Awaitable[Any]], **kwargs: Any) -> EngineError:
    with pytest.raises(EngineError) as caught:
        run(emulator, records, scenario, **kwargs)
    return caught.value


def assert_no_secret(records: list[CallRecord], *secrets: str) -> None:
    assert records
    for record in records:
        for secret in secrets:
            assert secret not in repr(record)


def test_send_text_goes_out_like_the_fixture_and_returns_the_engine_id(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    sent = run(emulator, records, lambda c: c.send_text("16505551234", "Temos sim, em azul."))
    request, = emulator.requests
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json == {"messaging_product": "whatsapp", "recipient_type": "individual",
                            "to": "16505551234", "type": "text",
                            "text": {"preview_url": False, "body": "Temos sim, em azul."}}
    assert sent.engine_message_id == emulator.delivered[0]["engine_message_id"]
    assert sent.engine_message_id.startswith("wamid.")
    assert sent.wa_id == "16505551234"
    assert (records[0].method, records[0].path, records[0].outcome) == (
        "POST", f"/v21.0/{PHONE_ID}/messages", "ok")


def test_text_with_a_link_asks_for_a_preview(emulator: Emulator, records: list[CallRecord]) -> None:
    run(emulator, records, lambda c: c.send_text("16505551234", "Veja https://loja.example/azul"))
    assert emulator.requests[0].json["text"]["preview_url"] is True


def test_eight_digit_era_number_is_sent_to_the_wa_id_whatsapp_returned(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    emulator.registered["5531987654321"] = "553187654321"

    async def scenario(client: Client) -> Any:
        check = await client.check_number("5531987654321")
        return check, await client.send_text(check.wa_id, "Oi!")

    check, sent = run(emulator, records, scenario)
    assert (check.exists, check.wa_id) == (True, "5531987654321")
    assert sent.wa_id == "553187654321"
    assert emulator.delivered[0]["wa_id"] == "553187654321"


def test_check_number_answers_without_calling_the_engine(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    check = run(emulator, records, lambda c: c.check_number("+55 (31) 98765-4321"))
    assert (check.exists, check.wa_id) == (True, "5531987654321")
    empty = run(emulator, records, lambda c: c.check_number("abc"))
    assert (empty.exists, empty.wa_id) == (False, None)
    assert emulator.requests == [] and records == []


def test_recipient_given_as_a_jid_is_sent_as_digits(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    run(emulator, records, lambda c: c.send_text("5531988887777@s.whatsapp.net", "oi"))
    assert emulator.delivered[0]["to"] == "5531988887777"


def test_image_by_url_is_sent_as_a_link_with_caption(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    media = OutboundMedia("image", "azul.jpg", "image/jpeg", url="https://cdn.example/azul.jpg",
                          caption="a azul")
    sent = run(emulator, records, lambda c: c.send_media("16505551234", media))
    delivered = emulator.delivered[0]
    assert delivered["engine_message_id"] == sent.engine_message_id
    assert delivered["media"]["link"] == "https://cdn.example/azul.jpg"
    assert delivered["media"]["caption"] == "a azul"
    assert [r.path for r in records] == [f"/v21.0/{PHONE_ID}/messages"]


def test_document_from_bytes_is_uploaded_then_sent_by_id(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    data = b"%PDF-1.4\n" + bytes(range(256)) * 8
    media = OutboundMedia("document", "nota.pdf", "application/pdf", data=data, caption="nota")
    run(emulator, records, lambda c: c.send_media("16505551234", media))
    assert [r.path for r in records] == [f"/v21.0/{PHONE_ID}/media",
                                         f"/v21.0/{PHONE_ID}/messages"]
    sent = emulator.delivered[0]["media"]
    assert emulator.uploads[sent["id"]].data == data
    assert (sent["kind"], sent["filename"], sent["caption"], sent["mime_type"]) == (
        "document", "nota.pdf", "nota", "application/pdf")


def test_voice_note_goes_as_audio_without_a_caption(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    media = OutboundMedia("voice", "voz.ogg", "audio/ogg; codecs=opus", data=b"OggS" + b"\0" * 64,
                          caption="ignored")
    run(emulator, records, lambda c: c.send_media("16505551234", media))
    sent = emulator.delivered[0]
    assert (sent["type"], sent["media"]["caption"]) == ("audio", None)
    assert sent["media"]["mime_type"] == "audio/ogg; codecs=opus"


def test_media_without_data_or_url_is_refused_before_any_call(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    error = fails(emulator, records, lambda c: c.send_media(
        "16505551234", OutboundMedia("image", "x.jpg", "image/jpeg")))
    assert not (error.transient or error.auth or error.outcome_unknown)
    assert emulator.requests == []


def test_two_504s_then_success_deliver_exactly_once(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    emulator.fail_next("send_text", status=504, times=2)
    for _ in range(2):
        error = fails(emulator, records, lambda c: c.send_text("16505551234", "pedido 42"))
        assert (error.transient, error.outcome_unknown, error.status_code) == (True, False, 504)
    sent = run(emulator, records, lambda c: c.send_text("16505551234", "pedido 42"))
    assert len(emulator.requests) == 3
    assert [d["engine_message_id"] for d in emulator.delivered] == [sent.engine_message_id]
    assert [r.outcome for r in records] == ["http_error", "http_error", "ok"]


def test_timeout_after_receipt_is_an_unknown_outcome_reconciled_by_the_sent_webhook(
    emulator: Emulator, records: list[CallRecord], webhook_sink: WebhookSink
) -> None:
    emulator.hang_next("send_text", 1.5)
    error = fails(emulator, records, lambda c: c.send_text("16505551234", "pedido 43"))
    assert (error.outcome_unknown, error.transient) == (True, False)
    assert records[-1].outcome == "timeout"
    delivered, = emulator.delivered
    webhook_sink.wait_for(1)
    received, = webhook_sink.posts
    assert cloudapi.verify_signature(received.raw, received.headers["x-hub-signature-256"],
                                     APP_SECRET)
    status, = registry.parse("cloudapi", json.loads(received.raw))
    assert (status.engine_message_id, status.status) == (delivered["engine_message_id"], "sent")


def test_upload_timeout_is_transient_because_repeating_it_is_harmless(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    emulator.hang_next("upload", 1.5)
    media = OutboundMedia("image", "a.png", "image/png", data=b"\x89PNG")
    error = fails(emulator, records, lambda c: c.send_media("16505551234", media))
    assert (error.transient, error.outcome_unknown) == (True, False)
    assert emulator.delivered == []


def test_refused_connection_is_transient(emulator: Emulator, records: list[CallRecord]) -> None:
    emulator.stop()
    error = fails(emulator, records, lambda c: c.send_text("16505551234", "oi"))
    assert (error.transient, error.outcome_unknown, error.auth) == (True, False, False)
    assert records[-1].outcome == "refused"


def test_wrong_token_is_an_auth_error_with_a_safe_detail(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    wrong = "EAAwrong-token-also-secret"
    error = fails(emulator, records, lambda c: c.send_text("16505551234", "segredo do cliente"),
                  token=wrong)
    assert (error.auth, error.transient, error.status_code) == (True, False, 401)
    assert "190" in error.detail
    assert wrong not in error.detail and "segredo" not in error.detail
    assert emulator.delivered == []
    assert_no_secret(records, wrong, "segredo")


@pytest.mark.parametrize(
    ("status", "code", "transient", "auth"),
    [(429, 80007, True, False), (429, 4, True, False), (503, 131016, True, False),
     (500, 131000, True, False), (502, None, True, False), (400, 131030, False, False),
     (400, 131026, False, False), (400, 100, False, False), (403, 10, False, True),
     (400, 190, False, True)],
)
def test_graph_errors_are_classified_for_the_retry_policy(
    emulator: Emulator, records: list[CallRecord], status: int, code: int | None,
    transient: bool, auth: bool
) -> None:
    emulator.fail_next("send_text", status=status, code=code)
    error = fails(emulator, records, lambda c: c.send_text("16505551234", "oi"))
    assert (error.transient, error.auth, error.outcome_unknown, error.status_code) == (
        transient, auth, False, status)
    if code is not None:
        assert str(code) in error.detail


def test_permanent_error_keeps_metas_message_as_detail(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    emulator.allowed_recipients = {"16505550000"}
    error = fails(emulator, records, lambda c: c.send_text("16505551234", "oi"))
    assert "Recipient phone number not in allowed list" in error.detail


def test_session_status_is_the_token_check(emulator: Emulator, records: list[CallRecord]) -> None:
    status = run(emulator, records, lambda c: c.session_status())
    assert (status.state, status.qr, status.detail) == ("connected", None, "CONNECTED")
    assert records[-1].path == f"/v21.0/{PHONE_ID}"
    emulator.phone_status = "DISCONNECTED"
    assert run(emulator, records, lambda c: c.session_status()).state == "disconnected"
    emulator.accepted_secrets.clear()
    refused = run(emulator, records, lambda c: c.session_status())
    assert refused.state == "notlogged"
    assert TOKEN not in refused.detail


def test_session_status_raises_when_meta_is_unavailable(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    emulator.fail_next("status", status=503)
    assert fails(emulator, records, lambda c: c.session_status()).transient


def test_start_and_qr_code_report_the_token_state_without_a_qr(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    async def scenario(client: Client) -> Any:
        return await client.start_session("https://ponte.example/webhooks/1/t"), \
            await client.qr_code()

    started, qr = run(emulator, records, scenario)
    assert (started.state, qr.state, qr.qr) == ("connected", "connected", None)
    assert all(r.method == "GET" for r in emulator.requests)


def test_close_logout_webhook_and_history_are_no_ops(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    async def scenario(client: Client) -> list[str]:
        await client.configure_webhook("https://ponte.example/webhooks/1/t")
        await client.close_session()
        await client.logout()
        return await client.recent_message_ids("16505551234")

    assert run(emulator, records, scenario) == []
    assert emulator.requests == [] and records == []


def test_authenticate_accepts_a_working_token_and_refuses_another(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    run(emulator, records, lambda c: c.authenticate(TOKEN))
    other = "EAAother-token"
    error = fails(emulator, records, lambda c: c.authenticate(other))
    assert error.auth
    assert fails(emulator, records, lambda c: c.authenticate("")).auth
    assert_no_secret(records, TOKEN, other)


def test_missing_phone_number_id_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="phone-number id"):
        Client(Credentials("", "session", TOKEN))


def test_empty_base_url_means_metas_graph_host() -> None:
    client = Client(Credentials("", "session", TOKEN, PHONE_ID))
    assert client.credentials.base_url == "https://graph.facebook.com"
    asyncio.run(client.aclose())


def test_api_version_is_a_constructor_option(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    async def main() -> None:
        client = Client(Credentials(emulator.base_url, "s", TOKEN, PHONE_ID), api_version="v23.0",
                        recorder=records.append, timeout=QUICK)
        try:
            await client.send_text("16505551234", "oi")
        finally:
            await client.aclose()

    asyncio.run(main())
    assert emulator.requests[0].path == f"/v23.0/{PHONE_ID}/messages"


def test_no_call_record_holds_the_token_or_message_content(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    emulator.fail_next("send_text", status=504)
    emulator.fail_next("send_media", status=400, code=100)
    emulator.hang_next("status", 1.5)
    text = "confidential order details"
    media = OutboundMedia("document", "private.pdf", "application/pdf", data=b"private bytes",
                          caption="private caption")

    async def everything(client: Client) -> None:
        calls: list[Callable[[], Awaitable[Any]]] = [
            lambda: client.send_text("16505551234", text),
            lambda: client.send_text("16505551234", text),
            lambda: client.send_media("16505551234", media),
            lambda: client.send_media("16505551234", media),
            lambda: client.session_status(),
            lambda: client.session_status(),
            lambda: client.start_session("https://ponte.example/w"),
            lambda: client.qr_code(),
            lambda: client.authenticate(TOKEN),
            lambda: client.authenticate("EAAwrong"),
        ]
        for call in calls:
            try:
                await call()
            except EngineError as exc:
                assert TOKEN not in exc.detail and text not in exc.detail

    run(emulator, records, everything)
    assert {r.outcome for r in records} >= {"ok", "http_error", "timeout", "auth"}
    assert_no_secret(records, TOKEN, "EAAwrong", text, "private bytes", "private caption")


# Received media


def calmly(emulator: Emulator, records: list[CallRecord],
           scenario: Callable[[Client], Awaitable[T]], **kwargs: Any) -> T:
    """`run` with time to spare, for calls that are not about slowness."""
    return run(emulator, records, scenario, timeout=PATIENT, **kwargs)


def fails_calmly(emulator: Emulator, records: list[CallRecord],
                 scenario: Callable[[Client], Awaitable[Any]], **kwargs: Any) -> EngineError:
    return fails(emulator, records, scenario, timeout=PATIENT, **kwargs)



def media_webhook(emulator: Emulator, sink: WebhookSink, data: bytes,
                  **kwargs: Any) -> InboundMessage:
    """A customer's file, as the signed webhook Ponte receives parses it."""
    emulator.receive_media("5531987654321", data, **kwargs)
    assert emulator.wait_for_webhooks()
    [message] = cloudapi.parse(sink.bodies[-1])
    assert isinstance(message, InboundMessage)
    return message


def reference_of(message: InboundMessage) -> MediaReference:
    assert message.media is not None
    return MediaReference(engine_message_id=message.engine_message_id,
                          engine_reference=message.media.engine_reference,
                          mimetype=message.media.mimetype)


def test_a_voice_note_comes_by_media_id_then_url_with_the_token(
    emulator: Emulator, webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    voice = sample_ogg_opus(2.0)
    message = media_webhook(emulator, webhook_sink, voice, kind="voice")
    assert message.kind == "voice" and message.media.duration is None
    got = calmly(emulator, records, lambda c: c.download_media(reference_of(message)))
    assert (got.data, got.mimetype) == (voice, "audio/ogg; codecs=opus")
    assert [(r.path, r.outcome) for r in records] == [
        ("/v21.0/<media id>", "ok"), ("127.0.0.1/whatsapp_business/attachments/", "ok")]
    lookup, fetch = [r for r in emulator.requests if r.operation in ("media_url",
                                                                     "media_download")]
    assert lookup.query == {"phone_number_id": PHONE_ID}
    assert fetch.headers["Authorization"] == f"Bearer {TOKEN}"
    assert_no_secret(records, TOKEN, "hash=")


def test_an_expired_url_is_fetched_again_once_with_a_fresh_one(
    webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    with Emulator(secrets=[TOKEN], phone_number_id=PHONE_ID, webhook_url=webhook_sink.url,
                  media_url_ttl=0.0) as expiring:
        photo = sample_png("fresh")
        message = media_webhook(expiring, webhook_sink, photo, kind="image")
        # Every URL is dead on arrival: one fresh one is tried, then the file is gone.
        error = fails_calmly(expiring, records, lambda c: c.download_media(reference_of(message)))
        assert (error.kind, error.status_code) == ("media_gone", 404)
        assert [r.operation for r in expiring.requests] == [
            "media_url", "media_download", "media_url", "media_download"]
        expiring.media_url_ttl = 300.0
        # A URL that expired before it was used (the webhook's own) is renewed once.
        message = media_webhook(expiring, webhook_sink, photo, kind="image", with_url=True)
        expiring.expire_media_urls()
        expiring.requests.clear()
        got = calmly(expiring, records, lambda c: c.download_media(reference_of(message)))
        assert got.data == photo
        assert [r.operation for r in expiring.requests] == [
            "media_url", "media_download"], "the media id is kept, not the passing URL"


def test_a_bare_url_reference_is_renewed_through_its_mid(
    emulator: Emulator, webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    pdf = sample_pdf()
    message = media_webhook(emulator, webhook_sink, pdf, kind="document", with_url=True)
    body = webhook_sink.bodies[-1]["entry"][0]["changes"][0]["value"]["messages"][0]
    reference = MediaReference(message.engine_message_id, body["document"]["url"])
    assert calmly(emulator, records, lambda c: c.download_media(reference)).data == pdf
    emulator.expire_media_urls()
    assert calmly(emulator, records, lambda c: c.download_media(reference)).data == pdf


def test_media_meta_no_longer_has_is_gone_and_5xx_is_transient(
    emulator: Emulator, webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    message = media_webhook(emulator, webhook_sink, sample_png(), kind="image")
    emulator.fail_next("media_download", status=503)
    busy = fails_calmly(emulator, records, lambda c: c.download_media(reference_of(message)))
    assert busy.transient and busy.kind == "engine_failure"
    emulator.fail_next("media_url", status=500)
    assert fails_calmly(emulator, records,
                 lambda c: c.download_media(reference_of(message))).transient
    emulator.hang_next("media_download", seconds=2)
    slow = fails(emulator, records, lambda c: c.download_media(reference_of(message)))
    assert slow.transient and slow.kind == "no_answer"
    emulator.expire_media(message.engine_message_id)
    gone = fails_calmly(emulator, records, lambda c: c.download_media(reference_of(message)))
    assert (gone.kind, gone.status_code) == ("media_gone", 400)
    assert not (gone.transient or gone.auth)
    emulator.fail_next("media_url", status=404)
    assert fails_calmly(emulator, records,
                 lambda c: c.download_media(reference_of(message))).kind == "media_gone"


def test_a_refused_token_is_auth_not_a_gone_file(
    emulator: Emulator, webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    message = media_webhook(emulator, webhook_sink, sample_png(), kind="image")
    error = fails_calmly(emulator, records, lambda c: c.download_media(reference_of(message)),
                  token="EAAwrong-token")
    assert error.auth and error.kind == "auth"
    assert_no_secret(records, "EAAwrong-token")


def test_a_file_past_the_limit_is_refused_before_its_download(
    emulator: Emulator, webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    big = os.urandom(300_000)
    message = media_webhook(emulator, webhook_sink, big, kind="document",
                            mimetype="application/zip")
    error = fails_calmly(emulator, records, lambda c: c.download_media(reference_of(message),
                                                                 max_bytes=100_000))
    assert isinstance(error, MediaTooLarge) and error.kind == "refused"
    assert [r.operation for r in emulator.requests] == ["media_url"], "file_size said it"


def test_a_url_whose_size_was_not_announced_stops_at_the_limit(
    emulator: Emulator, webhook_sink: WebhookSink, records: list[CallRecord]
) -> None:
    big = os.urandom(300_000)
    media_webhook(emulator, webhook_sink, big, kind="document", mimetype="application/zip",
                  with_url=True)
    url = webhook_sink.bodies[-1]["entry"][0]["changes"][0]["value"]["messages"][0][
        "document"]["url"]
    error = fails_calmly(emulator, records, lambda c: c.download_media(
        MediaReference("wamid.x", url), max_bytes=100_000))
    assert isinstance(error, MediaTooLarge)
    assert [(r.path, r.outcome) for r in records] == [
        ("127.0.0.1/whatsapp_business/attachments/", "too_large")]


def test_the_token_never_goes_to_a_host_that_is_not_metas(
    emulator: Emulator, records: list[CallRecord]
) -> None:
    with WebhookSink() as elsewhere:
        url = elsewhere.url.replace("127.0.0.1", "localhost")
        error = fails_calmly(emulator, records, lambda c: c.download_media(
            MediaReference("wamid.x", url)))
        assert error.kind == "refused" and elsewhere.posts == []
    assert records == []


@pytest.mark.parametrize(("media", "kind", "caption"), [
    (OutboundMedia("audio", "musica.mp3", "audio/mpeg", data=b"ID3\x04song", caption="x"),
     "audio", ""),
    (OutboundMedia("video", "v.mp4", "video/mp4", data=b"\x00\x00\x00\x18ftypmp42",
                   caption="olha"), "video", "olha"),
    (OutboundMedia("sticker", "s.webp", "image/webp", data=b"RIFF\x00\x00\x00\x00WEBPVP8 "),
     "sticker", ""),
    (OutboundMedia("voice", "voz.ogg", "audio/ogg; codecs=opus", data=sample_ogg_opus(1.0),
                   caption="ignored"), "voice", ""),
    (OutboundMedia("image", "foto.png", "image/png", data=sample_png("i"), caption="a azul"),
     "image", "a azul"),
])
def test_each_kind_is_uploaded_and_sent_as_that_kind(
    emulator: Emulator, records: list[CallRecord], media: OutboundMedia, kind: str,
    caption: str
) -> None:
    sent = calmly(emulator, records, lambda c: c.send_media("16505551234", media))
    [received] = emulator.media_sends
    assert (received.kind, received.voice, received.data) == (kind, kind == "voice", media.data)
    assert (received.caption, received.mimetype) == (caption, media.mimetype)
    assert received.engine_message_id == sent.engine_message_id
