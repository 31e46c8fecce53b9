"""The API shows a message's file as a typed `media`: where to read it, what it is, its state."""

import pytest
from django.test import Client
from django.utils import timezone

from ponte.conversations.models import Message
from ponte.conversations.storing import do_store_inbound
from ponte.engines.events import InboundMessage, Location, SharedContact
from ponte.identity import canonicalize
from tests import media_samples as samples
from tests.media_support import PHONE, receive, received_file, wppconnect_media

pytestmark = pytest.mark.django_db(transaction=True)


def api(tenant, path: str):
    return Client().get(path, headers={"Authorization": f"Bearer {tenant.api_key}"})


def media_of(tenant, message: Message) -> dict:
    answer = api(tenant, f"/api/v1/conversations/{message.conversation_id}/messages")
    assert answer.status_code == 200
    return next(m for m in answer.json()["items"] if m["id"] == message.pk)["media"]


def test_a_stored_photo_shows_where_to_read_it_and_what_it_is(make_tenant):
    tenant = make_tenant()
    photo = samples.jpeg()
    message = received_file(tenant, photo)
    assert media_of(tenant, message) == {
        "url": f"/media/{message.pk}", "thumbnail_url": f"/media/{message.pk}/thumbnail",
        "mimetype": "image/jpeg", "filename": None, "size": len(photo), "duration": None,
        "transcript": None, "state": "stored", "problem": None, "location": None,
        "contacts": None}
    one = api(tenant, f"/api/v1/messages/{message.pk}").json()
    assert one["media"]["url"] == f"/media/{message.pk}"


def test_a_file_still_fetched_has_no_url_and_says_what_the_engine_declared(make_tenant):
    tenant = make_tenant()
    receive(tenant, wppconnect_media(samples.pdf(), wa_type="document",
                                     mimetype="application/pdf", filename="pedido.pdf"))
    message = Message.objects.get()
    media = media_of(tenant, message)
    assert (media["state"], media["url"], media["thumbnail_url"]) == ("pending", None, None)
    assert (media["mimetype"], media["filename"]) == ("application/pdf", "pedido.pdf")
    assert media["size"] == len(samples.pdf())


def test_a_voice_note_shows_its_length_and_its_transcript(make_tenant):
    tenant = make_tenant()
    message = received_file(tenant, samples.voice_note(), wa_type="ptt",
                            mimetype="audio/ogg; codecs=opus")
    Message.objects.filter(pk=message.pk).update(transcript="Oi, vocês têm esse tênis no 40?")
    media = media_of(tenant, message)
    assert media["mimetype"] == "audio/ogg" and media["thumbnail_url"] is None
    assert media["duration"] == pytest.approx(2.0, abs=0.1)
    assert media["transcript"] == "Oi, vocês têm esse tênis no 40?"


def test_a_refused_file_says_why(make_tenant):
    tenant = make_tenant()
    message = received_file(tenant, samples.SVG, mimetype="image/jpeg")
    media = media_of(tenant, message)
    assert (media["state"], media["problem"], media["url"]) == ("refused", "type_mismatch",
                                                                None)


def test_a_place_and_contact_cards_show_in_media(make_tenant):
    tenant = make_tenant()
    chat = canonicalize(f"{PHONE}@c.us")
    do_store_inbound(tenant.instance, InboundMessage(
        engine_message_id="L1", chat=chat, sender=chat, timestamp=timezone.now(),
        kind="location", location=Location(latitude=-23.55, longitude=-46.63, name="Loja")))
    do_store_inbound(tenant.instance, InboundMessage(
        engine_message_id="C1", chat=chat, sender=chat, timestamp=timezone.now(),
        kind="contact", shared_contacts=[SharedContact(name="Rui", phones=["11 98765-4321"])]))
    place = media_of(tenant, Message.objects.get(engine_message_id="L1"))
    assert place["location"] == {"latitude": -23.55, "longitude": -46.63, "name": "Loja",
                                 "address": ""}
    assert place["url"] is None and place["state"] is None
    cards = media_of(tenant, Message.objects.get(engine_message_id="C1"))
    assert cards["contacts"] == [{"name": "Rui", "phones": ["+5511987654321"]}]


def test_a_text_message_has_no_media(make_tenant):
    from tests.support import wppconnect_text

    tenant = make_tenant()
    receive(tenant, wppconnect_text(PHONE, "T1", "Oi"))
    assert media_of(tenant, Message.objects.get()) is None


def test_the_media_shape_is_in_the_openapi_document():
    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    media = schemas["MediaOut"]["properties"]
    assert set(media) == {"url", "mimetype", "filename", "size", "thumbnail_url", "transcript",
                          "duration", "state", "problem", "location", "contacts"}
    assert all(field.get("description") for name, field in media.items()
               if name not in ("location", "contacts"))
    assert "MediaOut" in str(schemas["MessageOut"]["properties"]["media"])
