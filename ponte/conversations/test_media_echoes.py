"""An engine's echo of a file Ponte sent settles the queued row; it is never a second one."""

from datetime import UTC, datetime

import pytest

from ponte.conversations.attachments import Attachment
from ponte.conversations.models import Message
from ponte.conversations.outbound import check_send_media, do_queue_media
from ponte.conversations.storing import do_store_inbound
from ponte.engines import InboundMessage
from ponte.engines.events import Media
from ponte.identity import canonicalize
from tests import media_samples

pytestmark = pytest.mark.django_db
PHONE = "5531987654321"


def queued(tenant, caption: str = "", attachment: Attachment | None = None) -> Message:
    attachment = attachment or Attachment(media_samples.jpeg(), "foto.jpg", "image/jpeg")
    chat, media = check_send_media(tenant.org, attachment, caption=caption, to=PHONE)
    return do_queue_media(chat, media, caption=caption)


def echo(message_id: str, kind: str, caption: str = "") -> InboundMessage:
    """What an engine reports of a message the shop's own number sent."""
    who = canonicalize(f"{PHONE}@c.us")
    return InboundMessage(
        engine_message_id=message_id, chat=who, sender=who, from_me=True, kind=kind,
        caption=caption, media=Media(mimetype="image/jpeg", inline_base64="AAAA"),
        timestamp=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


def test_the_echo_of_a_photo_settles_its_queued_row(make_tenant):
    tenant = make_tenant()
    mine = queued(tenant, "Chegou!")

    stored = do_store_inbound(tenant.instance, echo("ECHO1", "image", "Chegou!"))

    mine.refresh_from_db()
    assert stored is None
    assert (mine.status, mine.engine_message_id) == ("sent", "ECHO1")
    assert Message.objects.count() == 1


def test_an_echo_filed_under_another_kind_still_settles_the_file(make_tenant):
    """A document that WhatsApp shows as a photo (a GIF, say) comes back as an image."""
    tenant = make_tenant()
    mine = queued(tenant, "o catálogo", Attachment(media_samples.pdf(), "catalogo.pdf",
                                                  "application/pdf"))

    do_store_inbound(tenant.instance, echo("ECHO2", "image", "o catálogo"))

    mine.refresh_from_db()
    assert mine.engine_message_id == "ECHO2" and Message.objects.count() == 1


def test_a_photo_sent_from_the_phone_with_another_caption_is_a_message_of_its_own(make_tenant):
    tenant = make_tenant()
    mine = queued(tenant, "do Ponte")

    stored = do_store_inbound(tenant.instance, echo("PHONE1", "image", "do celular"))

    mine.refresh_from_db()
    assert stored is not None and mine.engine_message_id is None
    assert Message.objects.count() == 2


def test_a_reaction_from_the_phone_never_settles_a_queued_file(make_tenant):
    tenant = make_tenant()
    mine = queued(tenant)

    do_store_inbound(tenant.instance, echo("REACT1", "reaction"))

    mine.refresh_from_db()
    assert mine.engine_message_id is None and mine.status == "pending"


def test_a_text_echo_settles_the_text_not_a_file_with_that_caption(make_tenant):
    tenant = make_tenant()
    photo = queued(tenant, "Oi")
    who = canonicalize(f"{PHONE}@c.us")

    do_store_inbound(tenant.instance, InboundMessage(
        engine_message_id="TEXT1", chat=who, sender=who, from_me=True, text="Oi",
        timestamp=datetime(2026, 3, 1, 12, 0, tzinfo=UTC)))

    photo.refresh_from_db()
    assert photo.engine_message_id is None
