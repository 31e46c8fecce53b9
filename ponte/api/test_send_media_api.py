"""Sending a file through the API: multipart or base64, a caption, refusals that say why."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ponte.conversations.models import Conversation, Message
from ponte.media.models import MediaFile
from ponte.test_asgi import asgi_answers
from tests import media_samples
from tests.support import fixtures_dir

pytestmark = pytest.mark.django_db
VOICE = (fixtures_dir() / "recordings" / "chromium-voice.webm").read_bytes()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def upload(tenant, **fields):
    return Client().post("/api/v1/messages", data=fields, headers=bearer(tenant.api_key))


def send_json(tenant, body: dict):
    return Client().post("/api/v1/messages", data=json.dumps(body),
                         content_type="application/json", headers=bearer(tenant.api_key))


def test_a_multipart_photo_with_a_caption_is_queued_as_pending(make_tenant):
    tenant = make_tenant()
    photo = SimpleUploadedFile("vitrine.jpg", media_samples.jpeg(), "image/jpeg")

    response = upload(tenant, file=photo, caption="Chegou a coleção nova!",
                      to="(31) 98765-4321")

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["caption"], body["status"]) == (
        "image", "Chegou a coleção nova!", "pending")
    message = Message.objects.get()
    assert message.file.mimetype == "image/jpeg"
    assert message.file.size == len(media_samples.jpeg())
    assert message.media["filename"] == "vitrine.jpg"


def test_a_base64_document_goes_into_the_conversation_named(make_tenant):
    tenant = make_tenant()
    first = upload(tenant, file=SimpleUploadedFile("a.jpg", media_samples.jpeg(), "image/jpeg"),
                   to="5531987654321").json()

    response = send_json(tenant, {
        "conversation_id": first["conversation_id"], "caption": "Segue o boleto",
        "media": {"base64": base64.b64encode(media_samples.pdf()).decode(),
                  "filename": "Boleto junho.pdf", "mimetype": "application/pdf"}})

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["conversation_id"]) == ("document", first["conversation_id"])
    assert Message.objects.get(pk=body["id"]).media["filename"] == "Boleto junho.pdf"


def test_a_data_url_gives_the_type_when_no_mimetype_is_named(make_tenant):
    tenant = make_tenant()
    data_url = "data:image/png;base64," + base64.b64encode(media_samples.png()).decode()

    response = send_json(tenant, {"to": "5531987654321", "media": {"base64": data_url}})

    assert response.status_code == 202
    message = Message.objects.get()
    assert (message.kind, message.file.mimetype, message.media["filename"]) == (
        "image", "image/png", "arquivo.png")


def test_a_browser_recording_sent_as_voice_is_stored_as_ogg_opus(make_tenant):
    tenant = make_tenant()

    response = upload(tenant, file=SimpleUploadedFile("nota.webm", VOICE, "audio/webm"),
                      voice="true", to="5531987654321")

    assert response.status_code == 202 and response.json()["kind"] == "voice"
    stored = MediaFile.objects.get()
    assert stored.mimetype == "audio/ogg" and stored.duration == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(("fields", "error"), [
    ({"file": ("vazio.pdf", b"", "application/pdf")}, "empty"),
    ({"file": ("nota.mp3", media_samples.mp3(), "audio/mpeg"), "voice": "1"}, "voice_not_opus"),
    ({"file": ("nota.mp3", media_samples.mp3(), "audio/mpeg"), "caption": "ouça"},
     "caption_not_allowed"),
    ({"file": ("a.jpg", media_samples.jpeg(), "image/jpeg"), "caption": "x" * 1025},
     "caption_too_long"),
    ({"file": ("corrompida.jpg", media_samples.jpeg()[:300], "image/jpeg")}, "unreadable"),
])
def test_a_refused_file_is_a_422_saying_why_in_portuguese(make_tenant, fields, error):
    tenant = make_tenant()
    fields = {key: SimpleUploadedFile(*value) if key == "file" else value
              for key, value in fields.items()}

    response = upload(tenant, to="5531987654321", **fields)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["detail"], str) and body["detail"].endswith(".")
    assert not Message.objects.exists() and not Conversation.objects.exists()


@override_settings(PONTE_MEDIA_MAX_BYTES_IMAGE=10_000)
def test_a_photo_over_its_kinds_limit_is_a_413(make_tenant):
    tenant = make_tenant()

    response = send_json(tenant, {"to": "5531987654321", "media": {
        "base64": base64.b64encode(media_samples.jpeg(2000, 1500)).decode()}})

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert "grande demais" in response.json()["detail"]
    assert not Message.objects.exists()
    assert not Conversation.objects.exists(), "a refused file leaves no empty chat"


def test_base64_that_is_not_base64_is_a_422(make_tenant):
    tenant = make_tenant()

    response = send_json(tenant, {"to": "5531987654321", "media": {"base64": "não é base64!"}})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_base64"


def test_an_upload_without_its_file_or_with_a_bad_field_lists_the_fields(make_tenant):
    tenant = make_tenant()

    missing = upload(tenant, to="5531987654321", caption="sem arquivo")
    bad = upload(tenant, file=SimpleUploadedFile("a.jpg", media_samples.jpeg(), "image/jpeg"),
                 conversation_id="abc")
    no_base64 = send_json(tenant, {"to": "5531987654321", "media": {"filename": "a.pdf"}})

    assert [e["field"] for e in missing.json()["detail"]] == ["file"]
    assert [e["field"] for e in bad.json()["detail"]] == ["conversation_id"]
    assert [e["field"] for e in no_base64.json()["detail"]] == ["media.base64"]
    assert {missing.status_code, bad.status_code, no_base64.status_code} == {422}


def test_another_organizations_conversation_or_a_hidden_number_gets_nothing(make_tenant):
    ours, theirs = make_tenant(name="Nossa"), make_tenant(name="Outra")
    chat = upload(theirs, file=SimpleUploadedFile("a.jpg", media_samples.jpeg(), "image/jpeg"),
                  to="5531987654321").json()["conversation_id"]

    response = upload(ours, file=SimpleUploadedFile("b.png", media_samples.png(), "image/png"),
                      conversation_id=str(chat))

    assert response.status_code == 404
    assert MediaFile.objects.filter(org=ours.org).count() == 0


def test_the_openapi_document_shows_the_three_ways_to_send(make_tenant):
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/messages"]["post"]
    content = operation["requestBody"]["content"]

    assert {ref["$ref"].rsplit("/", 1)[1] for ref in
            content["application/json"]["schema"]["oneOf"]} == {"SendIn", "SendMediaIn"}
    form = document["components"]["schemas"]["SendFileForm"]
    assert form["properties"]["file"]["format"] == "binary"
    assert {"caption", "voice", "to", "conversation_id"} <= set(form["properties"])
    assert "base64" in document["components"]["schemas"]["MediaIn"]["properties"]
    assert {"413", "422"} <= set(operation["responses"])


@pytest.mark.django_db(transaction=True)
@override_settings(PONTE_MAX_WEBHOOK_BYTES=20_000)
def test_a_file_bigger_than_a_webhook_body_still_reaches_the_api(make_tenant):
    tenant = make_tenant()
    photo = media_samples.jpeg(1600, 1200)
    assert len(photo) > 20_000
    body = json.dumps({"to": "5531987654321", "media": {
        "base64": base64.b64encode(photo).decode()}}).encode()
    headers = {**bearer(tenant.api_key), "Content-Type": "application/json"}
    too_big = {**headers, "Content-Length": str(10**10)}

    sent, refused, webhook = asgi_answers([
        ("POST", "/api/v1/messages", body, headers),
        ("POST", "/api/v1/messages", b"{}", too_big),
        ("POST", tenant.instance.webhook_path, body, {"Content-Type": "application/json"}),
    ])

    assert sent.status_code == 202
    assert refused.status_code == 413 and webhook.status_code == 413
