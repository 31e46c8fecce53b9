"""Settings › Privacidade through Django's test client: hidden numbers, LGPD requests, the trail."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Contact, Message
from ponte.inbox.pipeline import drain
from ponte.privacy.models import HiddenNumber, PrivacyRecord
from ponte.privacy.services import Actor, do_hide_number
from tests.support import wppconnect_text

PAGE = "/settings/privacy/"
PERSON_8 = "553187654321"  # how WhatsApp writes the person: the legacy 8-digit JID
PERSON = "+5531987654321"
OTHER = "5521998765432"


def add_member(tenant, role: str) -> Client:
    email = f"{role}-{tenant.org.id.hex[:6]}@ponte.local"
    user = get_user_model().objects.create_user(username=email, email=email, password="pw-12345")
    Member.objects.create(org=tenant.org, user=user, role=role)
    client = Client()
    client.login(username=email, password="pw-12345")
    return client


def owner_of(tenant) -> Client:
    client = Client()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return client


def post_webhook(tenant, body: dict) -> None:
    response = Client().post(tenant.instance.webhook_path, data=json.dumps(body),
                             content_type="application/json")
    assert response.status_code == 200, response.content


def converse(tenant, phone: str, *texts: str) -> None:
    for n, text in enumerate(texts):
        post_webhook(tenant, wppconnect_text(phone, f"{phone}-{n}", text, 1701717487 + n))
    drain()


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("</section>", start)]


def notices(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(make_tenant, client):
    make_tenant()
    for path in (PAGE, reverse("settings_privacy_unhide", args=[1])):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("settings_privacy_hide"), {"phone": PERSON})
    assert response.status_code == 302 and not HiddenNumber.objects.exists()


@pytest.mark.django_db
def test_an_agent_gets_403_on_the_page_and_every_action(make_tenant):
    tenant = make_tenant()
    hidden, _ = do_hide_number(tenant.org.pk, PERSON, Actor(None, "dono"))
    agent = add_member(tenant, Role.AGENT)
    assert agent.get(PAGE).status_code == 403
    assert agent.post(reverse("settings_privacy_hide"), {"phone": OTHER}).status_code == 403
    assert agent.post(reverse("settings_privacy_unhide", args=[hidden.pk])).status_code == 403
    for name in ("settings_privacy_export", "settings_privacy_erase"):
        assert agent.post(reverse(name), {"phone": PERSON, "confirmed": "1"}).status_code == 403
    assert HiddenNumber.objects.count() == 1
    assert PrivacyRecord.objects.count() == 1, "only the owner's hide"


@pytest.mark.django_db
def test_an_admin_hides_numbers_and_reads_the_trail_but_answers_no_lgpd_request(make_tenant):
    tenant = make_tenant()
    admin = add_member(tenant, Role.ADMIN)
    page = admin.get(PAGE).content.decode()
    assert 'id="hide-form"' in page and 'id="audit"' in page
    assert 'id="lgpd"' not in page and "Exportar dados" not in page
    for name in ("settings_privacy_export", "settings_privacy_erase"):
        assert admin.post(reverse(name), {"phone": PERSON, "confirmed": "1"}).status_code == 403
    assert not PrivacyRecord.objects.exists()

    admin.post(reverse("settings_privacy_hide"), {"phone": PERSON})
    admin_email = f"admin-{tenant.org.id.hex[:6]}@ponte.local"
    assert HiddenNumber.objects.get().created_by_name == admin_email


@pytest.mark.django_db
def test_the_owner_sees_every_part_and_reaches_it_from_settings_whatsapp(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    whatsapp = owner.get("/settings/whatsapp/").content.decode()
    assert f'href="{PAGE}"' in whatsapp and "Privacidade" in whatsapp
    response = owner.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    for part in ('id="hide-form"', 'id="lgpd-form"', 'id="audit"', "Exportar dados",
                 "Apagar dados", "Lei 13.709"):
        assert part in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["(31) 98765-4321", "+55 31 98765-4321", "553187654321@c.us",
                                   "5531987654321@s.whatsapp.net", "31 8765-4321"])
def test_a_number_added_in_any_form_is_hidden_as_one_phone(make_tenant, typed):
    tenant = make_tenant()
    owner = owner_of(tenant)
    response = owner.post(reverse("settings_privacy_hide"), {"phone": typed, "note": "mãe"},
                          follow=True)
    hidden = HiddenNumber.objects.get(org=tenant.org)
    assert (hidden.e164, hidden.note) == (PERSON, "mãe")
    page = response.content.decode()
    assert "+55 31 98765-4321" in section(page, "hidden") and "mãe" in page
    assert tenant.owner_email in section(page, "hidden")
    assert "+55 31 98765-4321 ocultado" in notices(response)

    again = owner.post(reverse("settings_privacy_hide"), {"phone": "31987654321"}, follow=True)
    assert HiddenNumber.objects.count() == 1 and "já estava oculto" in notices(again)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["abc", "123", "", "+55 31 98765-4321-0000000000000"])
def test_an_unreadable_phone_is_refused_with_the_reason_and_nothing_saved(make_tenant, typed):
    tenant = make_tenant()
    response = owner_of(tenant).post(reverse("settings_privacy_hide"),
                                     {"phone": typed, "note": "x"})
    assert response.status_code == 422
    error = section(response.content.decode(), "hidden")
    assert "como um número de telefone" in error and "(31) 98765-4321" in error
    assert 'aria-invalid="true"' in error
    assert not HiddenNumber.objects.exists() and not PrivacyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_adding_says_what_was_purged_in_words(make_tenant):
    tenant = make_tenant()
    converse(tenant, PERSON_8, "oi", "tudo bem?")
    converse(tenant, OTHER, "outra pessoa")
    response = owner_of(tenant).post(reverse("settings_privacy_hide"),
                                     {"phone": "(31) 98765-4321"}, follow=True)
    said = notices(response)
    assert "2 mensagens" in said and "1 conversa" in said and "1 contato" in said
    assert not Message.objects.filter(text__in=["oi", "tudo bem?"]).exists()
    assert Message.objects.filter(text="outra pessoa").exists()
    trail = section(response.content.decode(), "audit")
    assert "Número ocultado" in trail and "2 mensagens" in trail


@pytest.mark.django_db
def test_unhide_says_before_confirming_that_purged_data_does_not_come_back(make_tenant):
    tenant = make_tenant()
    hidden, _ = do_hide_number(tenant.org.pk, PERSON, Actor(None, "dono"))
    owner = owner_of(tenant)
    url = reverse("settings_privacy_unhide", args=[hidden.pk])
    assert f'href="{url}"' in owner.get(PAGE).content.decode()

    for asked in (owner.get(url), owner.get(url, headers={"HX-Request": "true"})):
        shown = asked.content.decode()
        assert asked.status_code == 200
        assert "não volta" in shown and "só as mensagens novas serão guardadas" in shown
        assert "Sim, voltar a mostrar" in shown
    assert HiddenNumber.objects.filter(pk=hidden.pk).exists(), "asking changes nothing"

    response = owner.post(url, follow=True)
    assert not HiddenNumber.objects.exists()
    assert "voltou a aparecer" in notices(response)
    assert PrivacyRecord.objects.filter(action="unhide", e164=PERSON).exists()


@pytest.mark.django_db(transaction=True)
def test_export_downloads_every_message_of_the_person_as_json(make_tenant):
    tenant = make_tenant()
    texts = [f"mensagem {n} de Maria" for n in range(5)]
    converse(tenant, PERSON_8, *texts)
    converse(tenant, OTHER, "de outra pessoa")

    response = owner_of(tenant).post(reverse("settings_privacy_export"),
                                     {"phone": "(31) 98765-4321"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        'attachment; filename="ponte-dados-5531987654321.json"')
    document = json.loads(response.content)
    assert document["phone"] == PERSON
    assert sorted(m["text"] for m in document["messages"]) == sorted(texts)
    assert document["contacts"][0]["e164"] == PERSON
    assert "de outra pessoa" not in response.content.decode()
    record = PrivacyRecord.objects.get(action="export")
    assert record.e164 == PERSON and record.counts["messages"] == 5


@pytest.mark.django_db(transaction=True)
def test_erase_says_what_goes_then_leaves_nothing_but_an_audit_entry(make_tenant):
    tenant = make_tenant()
    converse(tenant, PERSON_8, "primeira", "segunda", "terceira")
    converse(tenant, OTHER, "fica")
    owner = owner_of(tenant)

    asked = owner.post(reverse("settings_privacy_erase"), {"phone": "+55 31 98765-4321"})
    shown = section(asked.content.decode(), "lgpd")
    assert "Apagar os dados de +55 31 98765-4321?" in shown
    assert "3 mensagens" in shown and "1 conversa" in shown and "1 contato" in shown
    assert "O número não fica oculto" in shown
    assert Message.objects.filter(text="primeira").exists(), "asking erases nothing"

    done = owner.post(reverse("settings_privacy_erase"), {"phone": PERSON, "confirmed": "1"},
                      follow=True)
    assert "3 mensagens" in notices(done)
    assert not Message.objects.filter(text__in=["primeira", "segunda", "terceira"]).exists()
    assert not Contact.objects.filter(e164=PERSON).exists()
    assert Message.objects.filter(text="fica").exists()
    assert not HiddenNumber.objects.exists(), "erasing does not hide"
    record = PrivacyRecord.objects.get(action="erase")
    assert record.e164 == PERSON and record.counts["messages"] == 3
    assert record.actor_name == tenant.owner_email
    assert "Dados apagados (LGPD)" in section(done.content.decode(), "audit")


@pytest.mark.django_db
def test_an_unreadable_phone_in_an_lgpd_request_is_refused(make_tenant):
    tenant = make_tenant()
    for name in ("settings_privacy_export", "settings_privacy_erase"):
        response = owner_of(tenant).post(reverse(name), {"phone": "não sei", "confirmed": "1"})
        assert response.status_code == 422
        assert "como um número de telefone" in section(response.content.decode(), "lgpd")
    assert not PrivacyRecord.objects.exists()


@pytest.mark.django_db
def test_the_audit_trail_is_read_only(make_tenant):
    tenant = make_tenant()
    hidden, _ = do_hide_number(tenant.org.pk, PERSON, Actor(None, "dono"))
    owner = owner_of(tenant)
    owner.post(reverse("settings_privacy_unhide", args=[hidden.pk]))
    owner.post(reverse("settings_privacy_export"), {"phone": OTHER})
    trail = section(owner.get(PAGE).content.decode(), "audit")
    for label in ("Número ocultado", "Número voltou a aparecer", "Dados exportados (LGPD)"):
        assert label in trail
    for control in ("<form", "<button", "<input", "hx-post", "hx-delete", "href=\"/settings"):
        assert control not in trail


@pytest.mark.django_db
def test_a_hostile_note_is_shown_as_text(make_tenant):
    tenant = make_tenant()
    note = '<script>alert(1)</script><img src=x onerror=alert(2)>"\u202e'
    response = owner_of(tenant).post(reverse("settings_privacy_hide"),
                                     {"phone": PERSON, "note": note}, follow=True)
    page = response.content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\u202e" not in section(page, "hidden")


@pytest.mark.django_db
def test_another_organizations_hidden_number_is_404(make_tenant):
    mine, theirs = make_tenant(name="Minha"), make_tenant(name="Outra")
    hidden, _ = do_hide_number(theirs.org.pk, PERSON, Actor(None, "eles"))
    owner = owner_of(mine)
    url = reverse("settings_privacy_unhide", args=[hidden.pk])
    assert owner.get(url).status_code == 404
    assert owner.post(url).status_code == 404
    assert HiddenNumber.objects.filter(pk=hidden.pk).exists()
    assert "+55 31 98765-4321" not in owner.get(PAGE).content.decode()


@pytest.mark.django_db
def test_a_long_list_shows_the_newest_first_and_more_on_request(make_tenant):
    tenant = make_tenant()
    HiddenNumber.objects.bulk_create(
        [HiddenNumber(org=tenant.org, e164=f"+55319876{n:05d}") for n in range(60)])
    owner = owner_of(tenant)
    first = section(owner.get(PAGE).content.decode(), "hidden")
    assert first.count('class="phone"') == 50
    assert "+55 31 98760-0059" in first and "+55 31 98760-0009" not in first
    more = first[first.index("?hidden_before="):].split('"')[0]
    rest = section(owner.get(PAGE + more.replace("&amp;", "&")).content.decode(), "hidden")
    assert rest.count('class="phone"') == 10 and "+55 31 98760-0000" in rest
    assert "?hidden_before=" not in rest


@pytest.mark.django_db
def test_the_page_speaks_english_when_asked(make_tenant, settings):
    tenant = make_tenant()
    owner = owner_of(tenant)
    owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner.post(reverse("settings_privacy_hide"), {"phone": PERSON}, follow=True)
    page = response.content.decode()
    assert "Settings › Privacy" in page and "Hidden numbers" in page and "LGPD requests" in page
    assert "Números ocultos" not in page
    assert "+55 31 98765-4321 hidden. Nothing was stored about it." in notices(response)
