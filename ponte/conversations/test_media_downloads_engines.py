"""Files the engine keeps: fetched through each engine's download route, with its failures.

Each engine's emulator posts its real media webhook to a sink; the body is replayed
through Ponte's webhook endpoint, and the media worker asks the emulator for the file.
"""

import json

import pytest
from django.test import Client, override_settings

from emulators import cloudapi, evolution, wppconnect
from emulators.base import WebhookSink
from ponte.accounts.models import Organization
from ponte.accounts.services import do_create_instance
from ponte.conversations.models import MediaDownload, Message
from ponte.diagnostics.models import DiagnosticEntry
from ponte.engines.calls import call_engine
from ponte.inbox.pipeline import drain
from ponte.media.storage import media_storage
from tests import media_samples as samples
from tests.media_support import PHONE, fetch_files
from tests.procs import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "engine-secret-0001"
APP_SECRET = "media-app-secret"
PHONE_NUMBER_ID = "1065403522"
# Each engine's name for a failing download, as its emulator scripts it.
DOWNLOAD = {"wppconnect": "download_media", "evolution": "download_media",
            "cloudapi": "media_url"}


class Shop:
    def __init__(self, engine: str, sink: WebhookSink) -> None:
        self.engine, self.sink = engine, sink
        self.org = Organization.objects.create(name="Loja")
        self.instance = do_create_instance(self.org, engine, secrets_list=[SECRET],
                                           phone_number_id=PHONE_NUMBER_ID,
                                           app_secret=APP_SECRET)
        if engine == "wppconnect":
            self.emulator = wppconnect.Emulator(secrets=[SECRET], logged_in=True,
                                                auto_download=False)
        elif engine == "evolution":
            self.emulator = evolution.Emulator(secrets=[SECRET],
                                               instance=self.instance.session_name,
                                               webhook_url=sink.url)
        else:
            self.emulator = cloudapi.Emulator(secrets=[SECRET], phone_number_id=PHONE_NUMBER_ID,
                                              webhook_url=sink.url, app_secret=APP_SECRET)
        self.emulator.start()
        self.instance.base_url = self.emulator.base_url
        self.instance.state = "connected"
        self.instance.save(update_fields=["base_url", "state"])
        if engine == "wppconnect":
            call_engine(self.instance, lambda client: client.start_session(sink.url))

    def receive(self, data: bytes, **media) -> str:
        """The customer sends a file; its webhook reaches Ponte as the engine posted it."""
        message_id = self.emulator.receive_media(PHONE, data, inline=False, **media)
        body = wait_for(lambda: next((b for b in self.sink.bodies if _mentions(b, message_id)),
                                     None), timeout=10)
        raw = json.dumps(body).encode()
        headers = {"X-Hub-Signature-256": cloudapi.sign(raw, APP_SECRET)}
        response = Client().post(self.instance.webhook_path, data=raw,
                                 content_type="application/json", headers=headers)
        assert response.status_code == 200, response.content
        drain()
        return message_id


def _mentions(body, message_id: str) -> bool:
    return message_id in json.dumps(body)


@pytest.fixture(params=["wppconnect", "evolution", "cloudapi"])
def shop(request):
    with WebhookSink() as sink:
        made = Shop(request.param, sink)
        yield made
        made.emulator.stop()


def test_a_file_the_engine_keeps_is_downloaded_and_stored(shop):
    photo = samples.jpeg(color="coral")
    shop.receive(photo, kind="image", caption="Esse aqui")
    message = Message.objects.get()
    assert MediaDownload.objects.get().inline_base64 == ""
    fetch_files()
    message.refresh_from_db()
    assert message.media["state"] == "stored"
    with media_storage().open(message.file.name) as handle:
        assert handle.read() == photo
    assert DiagnosticEntry.objects.filter(instance=shop.instance).exists()


def test_a_file_the_engine_no_longer_has_ends_as_gone(shop):
    message_id = shop.receive(samples.pdf(), kind="document", filename="boleto.pdf")
    shop.emulator.expire_media(message_id)
    fetch_files()
    message = Message.objects.get()
    assert (message.media["state"], message.media["problem"]) == ("gone", "media_gone")
    assert message.file is None and MediaDownload.objects.count() == 0


@override_settings(PONTE_ENGINE_READ_TIMEOUT=2)
def test_an_engine_failing_for_a_while_is_asked_again_until_the_file_comes(shop):
    shop.receive(samples.voice_note(), kind="voice")
    shop.emulator.fail_next(DOWNLOAD[shop.engine], status=503, times=2)
    fetch_files()
    message = Message.objects.get()
    assert message.media["state"] == "stored"
    assert message.file.mimetype == "audio/ogg"


@override_settings(PONTE_MEDIA_DOWNLOAD_MAX_ATTEMPTS=2)
def test_an_engine_that_keeps_failing_leaves_the_message_saying_so(shop):
    shop.receive(samples.jpeg(), kind="image")
    shop.emulator.fail_next(DOWNLOAD[shop.engine], status=500, times=5)
    fetch_files()
    message = Message.objects.get()
    assert (message.media["state"], message.media["problem"]) == ("failed", "engine")


def test_a_download_over_the_kinds_cap_is_refused_without_storing_it(shop, settings):
    video = samples.mp4()
    settings.PONTE_MEDIA_MAX_BYTES_VIDEO = len(video) // 2
    shop.receive(video, kind="video")
    fetch_files()
    message = Message.objects.get()
    assert (message.media["state"], message.media["problem"]) == ("refused", "too_large")
