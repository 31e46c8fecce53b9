"""Settings › WhatsApp › Motor: the owner puts right an instance's engine address and secrets."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from emulators.wppconnect import Emulator
from ponte.accounts.models import Member, Role
from ponte.conversations.models import Message
from ponte.conversations.outbound import check_send_message, do_queue_message
from ponte.conversations.sender import Sender
from ponte.sessions.engine_settings import check_session_now

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SECRET = "engine-settings-secret-01"
PAGE = "/settings/whatsapp/"


@pytest.fixture
def engine():
    with Emulator(secrets=[SECRET], logged_in=True) as emulator:
        yield emulator


def engine_url(instance) -> str:
    return reverse("settings_whatsapp_engine", args=[instance.pk])


def sign_in_as(client, tenant, role: str) -> None:
    email = f"{role}-{tenant.org.id.hex[:6]}@ponte.local"
    user = get_user_model().objects.create_user(username=email, email=email, password="pw-12345")
    Member.objects.create(org=tenant.org, user=user, role=role)
    client.login(username=email, password="pw-12345")


def run_sender(passes: int = 3) -> None:
    sender = Sender()
    try:
        for _ in range(passes):
            sender.run_pass()
    finally:
        sender.close()


def test_owner_gives_an_instance_made_without_engine_its_address_and_the_send_goes_out(
        make_tenant, engine, client):
    made = make_tenant("wppconnect")  # `ponte init` without --engine-url
    client.login(username=made.owner_email, password=made.owner_password)
    chat = check_send_message(made.org, to="5531987654321", text="Oi")
    message = do_queue_message(chat, "Oi")
    run_sender(1)
    message.refresh_from_db()
    assert message.status == "failed"
    assert "nenhum motor de WhatsApp configurado" in client.get(
        f"/messages/{message.pk}/").content.decode()
    assert 'name="base_url"' in client.get(PAGE).content.decode()

    response = client.post(engine_url(made.instance),
                           {"base_url": engine.base_url + "/", "secrets": f"{SECRET}\n",
                            "phone_number_id": ""}, follow=True)

    page = response.content.decode()
    assert "Configurações do motor salvas. Sessão: Iniciando." in page  # the engine starts it
    assert SECRET not in page, "a stored secret was shown back"
    made.instance.refresh_from_db()
    assert made.instance.base_url == engine.base_url and made.instance.secrets == [SECRET]
    assert check_session_now(made.instance) == "connected"  # the supervisor's next look
    client.post(f"/messages/{message.pk}/retry/")
    run_sender()
    assert [d["text"] for d in engine.delivered] == ["Oi"]
    assert Message.objects.get(pk=message.pk).status == "sent"


def test_a_right_secret_brings_back_an_instance_that_needed_a_reset(make_tenant, engine, client):
    made = make_tenant("wppconnect", engine_url=engine.base_url, secrets_list=["wrong-secret"])
    made.instance.state = "needs_reset"
    made.instance.reconnect_attempts = 3
    made.instance.save(update_fields=["state", "reconnect_attempts"])
    client.login(username=made.owner_email, password=made.owner_password)

    client.post(engine_url(made.instance), {"base_url": engine.base_url, "secrets": SECRET})

    made.instance.refresh_from_db()
    # A fresh count of three: the restart the change made is the first, not a fourth.
    assert made.instance.state == "starting" and made.instance.reconnect_attempts == 1
    assert check_session_now(made.instance) == "connected"
    assert made.instance.secrets == [SECRET] and made.instance.reconnect_attempts == 0


def test_blank_secrets_keep_the_stored_ones(make_tenant, engine, client):
    made = make_tenant("wppconnect", engine_url=engine.base_url, secrets_list=[SECRET, "alt-2"])
    client.login(username=made.owner_email, password=made.owner_password)
    page = client.get(PAGE).content.decode()
    assert "2 chaves guardadas" in page and "alt-2" not in page

    response = client.post(engine_url(made.instance), {"base_url": engine.base_url,
                                                       "secrets": "  \n"}, follow=True)

    assert "Nada mudou nas configurações do motor." in response.content.decode()
    made.instance.refresh_from_db()
    assert made.instance.secrets == [SECRET, "alt-2"]


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "http://", "motor:21465",
                                 "http://motor:99999", "ftp://motor", "http://a b"])
def test_a_bad_address_is_refused_in_portuguese_and_nothing_changes(make_tenant, client, bad):
    made = make_tenant("wppconnect", engine_url="http://127.0.0.1:9", secrets_list=[SECRET])
    client.login(username=made.owner_email, password=made.owner_password)

    response = client.post(engine_url(made.instance), {"base_url": bad, "secrets": "x"},
                           follow=True)

    assert response.status_code == 200
    assert "Endereço inválido" in response.content.decode()
    made.instance.refresh_from_db()
    assert made.instance.base_url == "http://127.0.0.1:9" and made.instance.secrets == [SECRET]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
def test_only_the_owner_sees_and_changes_the_engine_settings(make_tenant, engine, client, role):
    made = make_tenant("wppconnect", engine_url=engine.base_url, secrets_list=[SECRET])
    sign_in_as(client, made, role)

    response = client.post(engine_url(made.instance), {"base_url": "http://evil.example",
                                                       "secrets": "stolen"})

    assert response.status_code == 403
    if role == Role.ADMIN:
        assert 'name="base_url"' not in client.get(PAGE).content.decode()
    made.instance.refresh_from_db()
    assert made.instance.base_url == engine.base_url and made.instance.secrets == [SECRET]
    assert engine.requests == []


def test_another_organizations_instance_is_404(make_tenant, client):
    mine = make_tenant("wppconnect")
    theirs = make_tenant("wppconnect", name="Outra")
    client.login(username=mine.owner_email, password=mine.owner_password)

    assert client.post(engine_url(theirs.instance), {"base_url": "http://x.example"}) \
        .status_code == 404
    theirs.instance.refresh_from_db()
    assert theirs.instance.base_url == ""
