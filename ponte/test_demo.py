"""The demo's simulated engine stands in for a phone, also after a reset total; its shop's
leads are scored for real."""

from datetime import timedelta

import mutagen
import pytest
from django.utils import timezone
from PIL import Image

from ponte import demo
from ponte.accounts.models import Instance, Organization
from ponte.conversations.models import Conversation, MediaDownload, Message
from ponte.erp.models import Customer, CustomerPhone, Sale
from ponte.leads.models import Lead
from ponte.leads.services import do_score_due_leads
from ponte.media.models import MediaFile
from ponte.media.storage import media_storage
from ponte.sessions.supervisor import Supervisor

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_after_a_reset_total_the_demo_phone_reads_the_new_qr_code_a_few_seconds_later():
    engine = demo.start_simulated_engine()
    try:
        credentials = demo.seed(engine.base_url)
        instance = Instance.objects.get(org__name=demo.DEMO_ORG)
        supervisor = Supervisor()
        try:
            supervisor.reset(instance)
            instance.refresh_from_db()
            assert instance.state == "qrcode"
            session = credentials.session
            since = demo.scan_waiting_qr(engine, session, None, now=100.0, after=5.0)
            assert since == 100.0
            assert demo.scan_waiting_qr(engine, session, since, now=103.0, after=5.0) == since
            assert engine.state_of(session) == "QRCODE", "not read before its time"
            assert demo.scan_waiting_qr(engine, session, since, now=105.0, after=5.0) is None
            assert engine.state_of(session) == "CONNECTED"
            supervisor.supervise(instance)
        finally:
            supervisor.close()
        instance.refresh_from_db()
        assert instance.state == "connected"
    finally:
        engine.stop()


def test_the_demo_hides_a_family_number_which_shows_only_in_privacy_settings(client):
    credentials = demo.seed()
    client.login(username=credentials.email, password=credentials.password)
    family = "+55 31 99111-2222"
    inbox = client.get("/").content.decode()
    assert "Ana Souza" in inbox
    assert demo.FAMILY[1] not in inbox and demo.FAMILY_TEXTS[0] not in inbox
    privacy = client.get("/settings/privacy/").content.decode()
    assert family in privacy and "Família: não é cliente" in privacy
    assert client.get("/chat/", {"phone": demo.FAMILY[0]}).status_code == 409


def test_the_demo_leads_are_scored_by_the_scorer_from_their_chats_a_moment_after_seeding():
    demo.seed()
    assert not Lead.objects.filter(score__isnull=False).exists()  # nothing written by hand
    do_score_due_leads(now=timezone.now() + timedelta(minutes=1))
    leads = {lead.contact.push_name: lead for lead in Lead.objects.select_related("contact")}
    assert set(leads) == {name for _, name in demo.CUSTOMERS}
    assert leads["Carla Mendes"].band == "hot"  # paid and asked to set the shirts aside
    assert "enviou comprovante" in leads["Carla Mendes"].reasons
    assert leads["Diego Rocha"].band == "cold"  # a defect, angry
    assert leads["Diego Rocha"].sentiment_label == "negative"
    assert "disse que vai pensar" in leads["Bruno Lima"].reasons


def test_the_demo_erp_is_seeded_and_its_customers_show_beside_their_chats(client):
    credentials = demo.seed()
    org = Organization.objects.get(name=demo.DEMO_ORG)
    assert Customer.objects.for_org(org).count() > 300
    assert Sale.objects.for_org(org).count() > 500
    today = timezone.localdate()
    assert Customer.objects.for_org(org).filter(
        cashback_balance__gt=0, cashback_expires_on__range=(today, today + timedelta(days=7))
    ).count() >= 10
    assert Customer.objects.for_org(org).filter(marketing_opt_out=True).exists()
    written = set(CustomerPhone.objects.for_org(org).values_list("written", flat=True))
    assert "31 8765-4321" in written and any(w.startswith("+55") for w in written)
    client.login(username=credentials.email, password=credentials.password)
    ana = Conversation.objects.get(org=org, contact__e164="+5531987654321")

    page = client.get(f"/conversations/{ana.pk}/").content.decode()

    assert "Código no ERP: <bdi>C-0001</bdi>" in page and "R$ 45,90" in page
    assert "vence em 3 dias" in page and "R$ 339,80" in page  # 249,90 + 89,90


def test_the_demo_erp_is_the_same_every_run():
    today = timezone.localdate()
    assert demo.erp_demo_items(today) == demo.erp_demo_items(today)


def test_the_demo_chats_show_a_photo_a_voice_note_with_its_transcript_a_receipt_a_place_and_a_card(
        client, filesystem_media):
    credentials = demo.seed()
    client.login(username=credentials.email, password=credentials.password)
    org = Organization.objects.get(name=demo.DEMO_ORG)
    chats = {chat.contact.push_name: chat for chat in
             Conversation.objects.for_org(org).select_related("contact")}

    def history(name: str) -> str:
        return client.get(f"/conversations/{chats[name].pk}/history/").content.decode()

    photo = Message.objects.get(org=org, kind="image")
    assert f'src="/media/{photo.pk}/thumbnail" loading="lazy"' in history("Ana Souza")
    with Image.open(media_storage().open(photo.file.name)) as picture:
        assert picture.format == "JPEG" and picture.size == (photo.file.width, photo.file.height)
    voice = Message.objects.get(org=org, kind="voice")
    assert media_storage().open(voice.file.name).read() == demo.VOICE_NOTE.read_bytes()
    assert mutagen.File(demo.VOICE_NOTE).mime[0] == "audio/ogg"
    assert type(mutagen.File(demo.VOICE_NOTE)).__name__ == "OggOpus"
    assert 6 < voice.file.duration < 8
    bruno = history("Bruno Lima")
    assert f'<audio controls preload="metadata" src="/media/{voice.pk}"' in bruno
    assert "Transcrição" in bruno and demo.VOICE_TRANSCRIPT in bruno
    assert "https://www.openstreetmap.org/?mlat=-19.9386&amp;mlon=-43.9349" in bruno
    receipt = Message.objects.get(org=org, kind="document")
    assert media_storage().open(receipt.file.name).read(5) == b"%PDF-"
    carla = history("Carla Mendes")
    assert "<bdi>comprovante-pix.pdf</bdi>" in carla
    assert "/chat/?phone=%2B5521998761234" in carla
    assert demo.VOICE_NOTE.stat().st_size < 20_000, "a few KB in the repository"


def test_seeding_twice_keeps_one_copy_of_each_demo_file(filesystem_media):
    demo.seed()
    demo.seed()

    assert MediaFile.objects.count() == 3
    assert not MediaDownload.objects.exists(), "nothing left for the download worker"
    assert Message.objects.filter(file__isnull=False).count() == 3


def test_the_demo_desk_has_a_second_attendant_labels_quick_replies_a_note_and_a_waiting_chat(
        client):
    from ponte.desk import demo as desk_demo
    from ponte.desk.models import DeskSettings, QuickReply

    credentials = demo.seed()
    demo.seed()  # a second start adds nothing
    org = Organization.objects.get(name=demo.DEMO_ORG)
    chats = {c.contact.e164: c for c in Conversation.objects.filter(org=org)
             .select_related("contact", "assignee")}

    assert client.login(username=desk_demo.AGENT_EMAIL, password=desk_demo.AGENT_PASSWORD)
    assert chats["+5548999990001"].assignee.email == desk_demo.AGENT_EMAIL
    assert chats["+5511998765432"].status == "pending"
    assert sorted(chats["+5521991234567"].labels.values_list("name", flat=True)) == [
        "Atacado", "Pix"]
    assert QuickReply.objects.filter(org=org).count() == len(desk_demo.QUICK_REPLIES)
    assert DeskSettings.for_org(org.pk).away_enabled
    client.login(username=credentials.email, password=credentials.password)
    history = client.get(f"/conversations/{chats['+5548999990001'].pk}/history/").content.decode()
    assert "Pedir foto do defeito" in history and 'class="note"' in history
