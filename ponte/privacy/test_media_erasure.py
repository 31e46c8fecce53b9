"""A hidden or erased person's files and transcripts go too: from the folder or the bucket."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ponte.conversations.models import MediaDownload, Message
from ponte.inbox.sweep import Sweep
from ponte.media.models import MediaFile
from ponte.media.storing import Incoming, do_store_bytes
from ponte.privacy.models import HiddenHandle, HiddenNumber
from ponte.privacy.services import Actor, do_erase_person, do_export_person, do_hide_number
from tests import media_samples as samples
from tests.media_support import fetch_files, receive, wppconnect_media

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "5531987654321"
CUSTOMER_E164 = "+5531987654321"
OTHER = "5521998765432"
OWNER = Actor(None, "dono@loja.com.br")


def receive_files(tenant, phone: str, prefix: str, photo: bytes) -> None:
    receive(tenant,
            wppconnect_media(photo, message_id=f"{prefix}P", phone=phone),
            wppconnect_media(samples.voice_note(), wa_type="ptt", phone=phone,
                             mimetype="audio/ogg; codecs=opus", message_id=f"{prefix}V"))
    fetch_files()
    Message.objects.filter(engine_message_id=f"{prefix}V").update(
        transcript=f"áudio de {phone}")


def sweep_once():
    sweeper = Sweep()
    try:
        return sweeper.sweep()
    finally:
        sweeper.close()


def test_hiding_a_number_deletes_its_files_and_transcripts(make_tenant, media_storage):
    tenant = make_tenant()
    receive_files(tenant, CUSTOMER, "A", samples.jpeg(color="red"))
    receive_files(tenant, OTHER, "B", samples.jpeg(color="blue"))
    theirs = MediaFile.objects.filter(messages__conversation__contact__e164=f"+{OTHER}")
    kept_names = {name for f in theirs for name in (f.name, f.thumbnail) if name}

    _, created = do_hide_number(tenant.org.pk, CUSTOMER_E164, OWNER)

    assert created
    assert not Message.objects.filter(transcript__contains=CUSTOMER).exists()
    assert Message.objects.filter(transcript=f"áudio de {OTHER}").count() == 1
    # The voice note is the same bytes for both: it stays while the other customer's
    # message uses it; the photo was this customer's alone.
    assert media_storage.names() == kept_names


def test_an_lgpd_erasure_deletes_the_persons_files(make_tenant, media_storage):
    tenant = make_tenant()
    receive_files(tenant, CUSTOMER, "A", samples.jpeg(color="green"))
    assert media_storage.names()

    counts = do_erase_person(tenant.org.pk, CUSTOMER_E164, OWNER)

    assert counts["media_files"] == 2 and counts["messages"] == 2
    assert MediaFile.objects.count() == 0
    assert media_storage.names() == set()


def test_a_photo_another_customer_also_sent_stays_until_nobody_uses_it(
        make_tenant, media_storage):
    tenant = make_tenant()
    photo = samples.jpeg(color="silver")
    receive(tenant, wppconnect_media(photo, message_id="A1", phone=CUSTOMER),
            wppconnect_media(photo, message_id="B1", phone=OTHER))
    fetch_files()
    shared = MediaFile.objects.get()

    do_erase_person(tenant.org.pk, CUSTOMER_E164, OWNER)
    assert MediaFile.objects.get() == shared
    assert media_storage.names() == {shared.name, shared.thumbnail}
    assert Message.objects.get().file == shared

    do_erase_person(tenant.org.pk, f"+{OTHER}", OWNER)
    assert media_storage.names() == set()


def test_a_file_still_to_be_fetched_goes_with_the_hide(make_tenant, media_storage):
    tenant = make_tenant()
    receive(tenant, wppconnect_media(samples.jpeg(), phone=CUSTOMER))
    assert MediaDownload.objects.get().inline_base64

    do_hide_number(tenant.org.pk, CUSTOMER_E164, OWNER)
    fetch_files()

    assert MediaDownload.objects.count() == 0
    assert MediaFile.objects.count() == 0
    assert media_storage.names() == set()


def test_the_sweep_erases_files_that_slipped_in_behind_a_hide(make_tenant, media_storage):
    tenant = make_tenant()
    receive_files(tenant, CUSTOMER, "A", samples.jpeg(color="pink"))
    # What a race leaves: the number hidden while its messages were stored, no purge.
    hidden = HiddenNumber.objects.create(org=tenant.org, e164=CUSTOMER_E164)
    HiddenHandle.objects.create(org=tenant.org, hidden=hidden, value=CUSTOMER)

    swept = sweep_once()

    assert swept.hidden[tenant.org.pk]["media_files"] == 2
    assert MediaFile.objects.count() == 0
    assert media_storage.names() == set()


def test_the_sweep_releases_files_no_message_uses_once_they_are_old(
        make_tenant, media_storage, settings):
    tenant = make_tenant()
    settings.PONTE_MEDIA_UNUSED_HOURS = 1
    old = do_store_bytes(tenant.org.pk, Incoming(samples.pdf(), "document", "application/pdf"))
    MediaFile.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    fresh = do_store_bytes(tenant.org.pk, Incoming(samples.png(), "image", "image/png"))

    swept = sweep_once()

    assert swept.unused_files == 1
    assert list(MediaFile.objects.all()) == [fresh]
    assert media_storage.names() == {fresh.name, fresh.thumbnail}


def test_the_export_lists_the_persons_files_and_transcripts(make_tenant):
    tenant = make_tenant()
    receive_files(tenant, CUSTOMER, "A", samples.jpeg(color="white"))
    exported = do_export_person(tenant.org.pk, CUSTOMER_E164, OWNER)
    assert {f["mimetype"] for f in exported["media_files"]} == {"image/jpeg", "audio/ogg"}
    assert f"áudio de {CUSTOMER}" in {m["transcript"] for m in exported["messages"]}
    assert "inline_base64" not in str(exported)
