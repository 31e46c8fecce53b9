"""Numbers in query strings are typed by anyone: a bad one is ignored, never a 500."""

import pytest
from django.test import Client

from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db

# "²" and "١٢" pass str.isdigit; int() refuses the first and reads the second.
ODD_NUMBERS = ["²", "١٢", "9" * 50, "9" * 5000, "-1", "1.5", "0x10", "\x00"]
PARAMS = ["before", "active", "phone", "text", "q", "band", "instance", "errors", "unread", "mine",
          "status", "owner", "period", "limit"]


@pytest.fixture
def signed_in(make_tenant, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    tenant = make_tenant()
    client = Client(raise_request_exception=False)
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    chat = add_chat(tenant, "+5531987654321", "Ana")
    add_message(chat, "oi")
    return client, chat


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_in_any_query_parameter_of_any_page_never_give_a_500(signed_in, value):
    client, chat = signed_in
    pages = ["/", "/inbox/list/", f"/conversations/{chat.pk}/",
             f"/conversations/{chat.pk}/history/", f"/conversations/{chat.pk}/photo/", "/chat/",
             "/settings/whatsapp/", "/instance/banner/", "/leads/", "/leads/list/"]
    for page in pages:
        for query in ({name: value for name in PARAMS}, {"after": value}):
            response = client.get(page, query)
            assert response.status_code < 500, (page, query)


def test_a_history_page_with_a_superscript_before_shows_the_newest_messages(signed_in):
    client, chat = signed_in

    response = client.get(f"/conversations/{chat.pk}/history/", {"before": "²"})

    assert response.status_code == 200
    assert "oi" in response.content.decode()


@pytest.mark.parametrize("number", ["9" * 50, "9" * 5000])
def test_a_huge_id_in_a_page_address_is_not_found(signed_in, number):
    client, _ = signed_in
    for page in [f"/conversations/{number}/", f"/conversations/{number}/history/",
                 f"/messages/{number}/"]:
        assert client.get(page).status_code == 404
