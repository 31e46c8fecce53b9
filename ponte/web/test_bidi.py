"""Right-to-left overrides cannot disguise a file name or spill out of a customer's text."""

import pytest

from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture
def shop(make_tenant, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def shown(page: str) -> str:
    assert not set(page) & set(CONTROLS), "a bidi control reached the page"
    return page


def test_a_file_name_with_a_right_to_left_override_cannot_pose_as_a_png(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "", kind="document", media={"filename": "Fatura \u202egnp.exe"})

    page = shown(client.get(f"/conversations/{chat.pk}/history/").content.decode())

    assert "<bdi>Fatura gnp.exe</bdi>" in page


def test_names_and_texts_are_isolated_and_lose_their_bidi_controls(shop, client):
    chat = add_chat(shop, "+5531987654321", "\u202eanA\u202c", name="Cliente \u2067VIP")
    add_message(chat, "pague \u202d\u202e00,001\u202c R$ \u200f\u061c")

    inbox = shown(client.get("/").content.decode())
    page = shown(client.get(f"/conversations/{chat.pk}/").content.decode())
    history = shown(client.get(f"/conversations/{chat.pk}/history/").content.decode())

    assert "<bdi>Cliente VIP</bdi>" in inbox and "<bdi>pague 00,001 R$ </bdi>" in inbox
    assert "<bdi>Cliente VIP</bdi>" in page and "<bdi>anA</bdi>" in page
    assert "<title>Cliente VIP · Ponte</title>" in page
    assert "<bdi>pague 00,001 R$ </bdi>" in history


def test_text_with_markup_stays_escaped_inside_the_isolation(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "<b>oi</b> \u202e&")

    page = client.get(f"/conversations/{chat.pk}/history/").content.decode()

    assert "<bdi>&lt;b&gt;oi&lt;/b&gt; &amp;</bdi>" in page
