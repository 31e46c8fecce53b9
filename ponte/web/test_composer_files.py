"""The composer's upload: a member's file goes into the chat as pending; nobody else's does."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ponte.conversations.models import Conversation, Message
from ponte.web.test_workspace import add_chat, add_message
from tests import media_samples
from tests.support import fixtures_dir

pytestmark = pytest.mark.django_db
VOICE = (fixtures_dir() / "recordings" / "chromium-voice.webm").read_bytes()


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    chat = add_chat(tenant, "+5531987654321", "Ana Souza")
    add_message(chat, "me manda a foto?")
    return SimpleNamespace(**vars(tenant), chat=chat)


def photo(name: str = "vitrine.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, media_samples.jpeg(), "image/jpeg")


def test_an_attached_photo_comes_back_as_the_pending_message_with_its_caption(shop, client):
    response = client.post(f"/conversations/{shop.chat.pk}/send-file/",
                           {"file": photo(), "caption": "Olha a vitrine"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 201
    html = response.content.decode()
    assert 'class="msg out' in html and 'data-status="pending"' in html
    assert "Olha a vitrine" in html
    message = Message.objects.get(direction="out")
    assert (message.kind, message.caption, message.sent_by.email) == (
        "image", "Olha a vitrine", shop.owner_email)


def test_a_recorded_voice_note_is_queued_as_a_voice_message(shop, client):
    response = client.post(f"/conversations/{shop.chat.pk}/send-file/", {
        "file": SimpleUploadedFile("audio.webm", VOICE, "audio/webm"), "voice": "1"})

    assert response.status_code == 201
    message = Message.objects.get(direction="out")
    assert (message.kind, message.file.mimetype) == ("voice", "audio/ogg")


def test_a_refused_file_says_why_and_queues_nothing(shop, client):
    caption_on_audio = client.post(f"/conversations/{shop.chat.pk}/send-file/", {
        "file": SimpleUploadedFile("nota.mp3", media_samples.mp3(), "audio/mpeg"),
        "caption": "ouça"})
    nothing = client.post(f"/conversations/{shop.chat.pk}/send-file/", {"caption": "só texto"})

    assert caption_on_audio.status_code == 422
    assert "legenda" in caption_on_audio.content.decode()
    assert nothing.status_code == 422
    assert not Message.objects.filter(direction="out").exists()


@override_settings(PONTE_MEDIA_MAX_BYTES_IMAGE=10_000)
def test_a_photo_over_the_limit_is_a_413_in_the_readers_language(shop, client):
    response = client.post(f"/conversations/{shop.chat.pk}/send-file/",
                           {"file": SimpleUploadedFile("grande.jpg",
                                                       media_samples.jpeg(2000, 1500),
                                                       "image/jpeg")})

    assert response.status_code == 413
    assert "grande demais" in response.content.decode()


def test_the_upload_wants_the_csrf_token_a_sign_in_and_a_chat_of_the_members_org(
        shop, make_tenant):
    guarded = Client(enforce_csrf_checks=True)
    guarded.login(username=shop.owner_email, password=shop.owner_password)
    other = make_tenant(name="Outra Loja")
    elsewhere = add_chat(other, "+5511912345678")

    without_token = guarded.post(f"/conversations/{shop.chat.pk}/send-file/", {"file": photo()})
    signed_out = Client().post(f"/conversations/{shop.chat.pk}/send-file/", {"file": photo()})
    member = Client()
    member.login(username=shop.owner_email, password=shop.owner_password)
    not_ours = member.post(f"/conversations/{elsewhere.pk}/send-file/", {"file": photo()})

    assert without_token.status_code == 403
    assert signed_out.status_code == 302 and "/login/" in signed_out["Location"]
    assert not_ours.status_code == 422 and "não existe" in not_ours.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_a_file_as_the_first_message_to_a_new_number_opens_its_chat(shop, client):
    response = client.post("/chat/send-file/", {"file": photo(), "phone": "+5511955550101"},
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    chat = Conversation.objects.get(contact__e164="+5511955550101")
    assert response["HX-Location"] == f"/conversations/{chat.pk}/"
    assert chat.messages.get().kind == "image"


def test_the_chat_offers_attach_and_record_beside_the_text(shop, client):
    page = client.get(f"/conversations/{shop.chat.pk}/").content.decode()

    assert f'data-file-url="/conversations/{shop.chat.pk}/send-file/"' in page
    assert 'class="composer-icon attach"' in page and 'class="composer-icon record"' in page
    assert 'id="attachment"' in page and "Legenda (opcional)" in page
    assert "ponte/composer.js" in page
