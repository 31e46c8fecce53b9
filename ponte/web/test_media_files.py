"""A received file is served to its organization only, and never runs in the browser."""

import asyncio
import warnings

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ponte.accounts.models import Member
from ponte.conversations.models import Message
from tests import media_samples as samples
from tests.media_support import received_file, wppconnect_media

pytestmark = pytest.mark.django_db(transaction=True)


def member_client(tenant) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(email=tenant.owner_email))
    return client


def key_client(tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant.api_key}"})


def url(message: Message, *, thumbnail: bool = False) -> str:
    return reverse("message-media-thumbnail" if thumbnail else "message-media",
                   args=[message.pk])


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_member_sees_the_photo_inline_and_the_browser_may_not_sniff_it(
        make_tenant, media_storage):
    tenant = make_tenant()
    photo = samples.jpeg()
    message = received_file(tenant, photo)
    response = member_client(tenant).get(url(message))
    assert response.status_code == 200
    assert body_of(response) == photo
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(photo))
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["ETag"] == f'"{message.file.sha256}"'


def test_an_api_key_reads_its_organizations_file_and_gets_404_for_anothers(
        make_tenant, media_storage):
    tenant, other = make_tenant(), make_tenant(name="Outra loja")
    message = received_file(tenant, samples.pdf(), wa_type="document",
                            mimetype="application/pdf", filename="pedido.pdf")
    mine = key_client(tenant).get(url(message))
    assert mine.status_code == 200 and body_of(mine) == samples.pdf()
    assert key_client(other).get(url(message)).status_code == 404
    assert Client(headers={"Authorization": "Bearer pk_wrong.key"}).get(
        url(message)).status_code == 404


def test_nobody_else_learns_whether_a_file_exists(make_tenant):
    tenant, other = make_tenant(), make_tenant(name="Outra loja")
    message = received_file(tenant, samples.jpeg())
    missing = Message.objects.order_by("-pk").first().pk + 1000
    for client in (Client(), member_client(other), key_client(other)):
        for path in (url(message), url(message, thumbnail=True),
                     reverse("message-media", args=[missing])):
            assert client.get(path).status_code == 404, (client, path)


def test_an_id_out_of_any_range_is_a_plain_404(make_tenant):
    tenant = make_tenant()
    for path in ("/media/99999999999999999999999", "/media/99999999999999999999999/thumbnail",
                 "/media/-1", "/media/1e3"):
        assert member_client(tenant).get(path).status_code == 404, path


def test_a_file_not_stored_is_404_even_to_its_organization(make_tenant):
    tenant = make_tenant()
    refused = received_file(tenant, samples.HTML, mimetype="image/jpeg")
    assert refused.media["state"] == "refused"
    assert member_client(tenant).get(url(refused)).status_code == 404


def test_a_member_of_two_organizations_reads_the_files_of_both(make_tenant):
    tenant, other = make_tenant(), make_tenant(name="Filial")
    user = get_user_model().objects.get(email=tenant.owner_email)
    Member.objects.create(org=other.org, user=user, role="agent")
    theirs = received_file(other, samples.png(), mimetype="image/png")
    assert member_client(tenant).get(url(theirs)).status_code == 200


def test_a_document_downloads_as_an_attachment_with_its_name(make_tenant, media_storage):
    tenant = make_tenant()
    message = received_file(tenant, samples.pdf(), wa_type="document",
                            mimetype="application/pdf", filename="Nota fiscal – março.pdf")
    response = member_client(tenant).get(url(message))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Nota fiscal _ marco.pdf\"; "
        "filename*=UTF-8''Nota%20fiscal%20%E2%80%93%20mar%C3%A7o.pdf")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(("data", "declared"), [(samples.HTML, "text/html"),
                                                 (samples.SVG, "image/svg+xml")],
                         ids=["html", "svg"])
def test_a_web_page_or_svg_sent_as_a_document_is_never_rendered(make_tenant, data, declared):
    tenant = make_tenant()
    message = received_file(tenant, data, wa_type="document", mimetype=declared,
                            filename="promo.html")
    response = member_client(tenant).get(url(message))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_filename_that_hides_its_real_extension_is_shown_plainly(make_tenant):
    tenant = make_tenant()
    message = received_file(tenant, samples.pdf(), wa_type="document",
                            mimetype="application/pdf", filename="../Fatura\u202egnp.exe")
    disposition = member_client(tenant).get(url(message))["Content-Disposition"]
    assert disposition == 'attachment; filename="Faturagnp.exe"'


def test_a_file_that_came_without_a_name_gets_one_of_ours(make_tenant):
    tenant = make_tenant()
    message = received_file(tenant, samples.pdf(), wa_type="document",
                            mimetype="application/pdf")
    disposition = member_client(tenant).get(url(message))["Content-Disposition"]
    assert disposition == f'attachment; filename="ponte-document-{message.pk}.pdf"'


def test_a_voice_note_is_served_in_ranges_for_the_player_to_seek(make_tenant, media_storage):
    tenant = make_tenant()
    voice = samples.voice_note()
    message = received_file(tenant, voice, wa_type="ptt", mimetype="audio/ogg; codecs=opus")
    client = member_client(tenant)
    size = len(voice)

    first = client.get(url(message), headers={"Range": "bytes=0-99"})
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-99/{size}"
    assert first["Content-Length"] == "100" and body_of(first) == voice[:100]
    assert first["Content-Type"] == "audio/ogg" and first["Accept-Ranges"] == "bytes"

    middle = client.get(url(message), headers={"Range": f"bytes=1000-{size + 50}"})
    assert body_of(middle) == voice[1000:]
    assert middle["Content-Range"] == f"bytes 1000-{size - 1}/{size}"

    tail = client.get(url(message), headers={"Range": "bytes=-50"})
    assert body_of(tail) == voice[-50:]

    past = client.get(url(message), headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{size}"

    stale = client.get(url(message), headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and body_of(stale) == voice

    for not_a_range in ("bytes=9-3", "bytes=0-9,20-29", "items=0-9", "bytes=-"):
        whole = client.get(url(message), headers={"Range": not_a_range})
        assert whole.status_code == 200 and body_of(whole) == voice, not_a_range


def test_a_photo_the_browser_has_is_not_sent_again(make_tenant):
    tenant = make_tenant()
    message = received_file(tenant, samples.jpeg())
    client = member_client(tenant)
    etag = client.get(url(message))["ETag"]
    again = client.get(url(message), headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_a_photo_has_a_jpeg_thumbnail_and_a_document_none(make_tenant, media_storage):
    tenant = make_tenant()
    photo = received_file(tenant, samples.png(1200, 900), mimetype="image/png")
    thumbnail = member_client(tenant).get(url(photo, thumbnail=True))
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert body_of(thumbnail)[:3] == b"\xff\xd8\xff"
    document = received_file(tenant, samples.pdf(), wa_type="document",
                             mimetype="application/pdf")
    assert member_client(tenant).get(url(document, thumbnail=True)).status_code == 404


def test_head_answers_the_headers_alone(make_tenant):
    tenant = make_tenant()
    message = received_file(tenant, samples.jpeg())
    response = member_client(tenant).head(url(message))
    assert response.status_code == 200
    assert response["Content-Length"] == str(message.file.size)
    assert response.content == b""


def test_under_asgi_the_file_streams_without_being_read_whole(make_tenant, media_storage):
    import httpx

    from ponte.asgi import application

    tenant = make_tenant()
    video = samples.mp4()
    message = received_file(tenant, video, wa_type="video", mimetype="video/mp4")

    async def get(headers: dict):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await http.get(url(message), headers=headers)

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        whole = asyncio.run(get({"Authorization": f"Bearer {tenant.api_key}"}))
        part = asyncio.run(get({"Authorization": f"Bearer {tenant.api_key}",
                                "Range": "bytes=10-19"}))
    assert whole.status_code == 200 and whole.content == video
    assert whole.headers["content-type"] == "video/mp4"
    assert part.status_code == 206 and part.content == video[10:20]
    assert not [w for w in warned if "StreamingHttpResponse" in str(w.message)]


def test_the_same_photo_from_two_customers_is_served_to_both_chats(make_tenant):
    from tests.media_support import fetch_files, receive

    tenant = make_tenant()
    photo = samples.jpeg(color="gold")
    receive(tenant, wppconnect_media(photo, message_id="P1", phone="5531911112222"),
            wppconnect_media(photo, message_id="P2", phone="5531933334444"))
    fetch_files()
    client = member_client(tenant)
    for message in Message.objects.all():
        assert body_of(client.get(url(message))) == photo
