"""Signing in by email, picking an organization, signing out, and the UI language."""

import pytest
from django.test import Client

from ponte.accounts.models import Member, Role
from ponte.web.membership import SESSION_KEY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sign_in_counters")]


def sign_in(client: Client, email: str, password: str, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return client.post("/login/" + suffix, {"username": email, "password": password})


@pytest.fixture
def two_shops(make_tenant):
    """The owner of Loja A also works, as an attendant, for Loja B."""
    shop_a, shop_b = make_tenant(name="Loja A"), make_tenant(name="Loja B")
    owner_a = Member.objects.get(org=shop_a.org).user
    Member.objects.create(org=shop_b.org, user=owner_a, role=Role.AGENT)
    return shop_a, shop_b


def org_in_top_bar(client: Client) -> str:
    page = client.get("/").content.decode()
    return page.split('<span class="org">', 1)[1].split("</span>", 1)[0]


def test_the_login_page_speaks_portuguese_and_keeps_the_form_field_names(client):
    page = client.get("/login/").content.decode()

    assert "Entrar" in page and "Senha" in page
    assert 'name="username"' in page and 'name="password"' in page
    assert 'type="submit"' in page


def test_the_email_signs_in_typed_in_any_case(make_tenant, client):
    shop = make_tenant(owner_email="Dona.Maria@Loja.test")

    answer = sign_in(client, "  dona.maria@LOJA.TEST ", shop.owner_password)

    assert answer.status_code == 302 and answer.url == "/"
    assert client.session[SESSION_KEY] == str(shop.org.id)
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(make_tenant, client):
    shop = make_tenant()

    answer = sign_in(client, shop.owner_email, "not-the-password")

    assert answer.status_code == 200
    assert "E-mail ou senha incorretos." in answer.content.decode()
    assert client.get("/").status_code == 302


def test_the_sign_in_form_needs_its_csrf_token(make_tenant):
    shop = make_tenant()

    assert sign_in(Client(enforce_csrf_checks=True), shop.owner_email,
                   shop.owner_password).status_code == 403


def test_a_safe_next_is_followed_and_another_site_is_not(make_tenant, client):
    shop = make_tenant()

    assert sign_in(client, shop.owner_email, shop.owner_password,
                   next="/chat/%3Fphone%3D1").url == "/chat/?phone=1"
    client.post("/logout/")
    assert sign_in(client, shop.owner_email, shop.owner_password,
                   next="https://evil.example/").url == "/"


def test_a_member_of_two_organizations_picks_one_after_signing_in(two_shops, client):
    shop_a, shop_b = two_shops

    answer = sign_in(client, shop_a.owner_email, shop_a.owner_password)
    assert answer.url == "/organizations/choose/"
    picker = client.get(answer.url).content.decode()
    assert "Loja A" in picker and "Loja B" in picker

    assert client.post(answer.url, {"org": str(shop_b.org.id)}).url == "/"
    assert org_in_top_bar(client) == "Loja B"


def test_switching_organization_changes_which_inbox_shows(two_shops, client):
    shop_a, shop_b = two_shops
    sign_in(client, shop_a.owner_email, shop_a.owner_password)
    client.post("/organizations/choose/", {"org": str(shop_a.org.id)})
    assert org_in_top_bar(client) == "Loja A"
    assert "Trocar organização" in client.get("/").content.decode()

    answer = client.post("/organizations/choose/", {"org": str(shop_b.org.id), "next": "/"})

    assert answer.url == "/"
    assert org_in_top_bar(client) == "Loja B"


def test_the_picker_keeps_next_through_sign_in_but_never_to_another_site(two_shops, client):
    shop_a, shop_b = two_shops

    answer = sign_in(client, shop_a.owner_email, shop_a.owner_password, next="/chat/")
    assert answer.url == "/organizations/choose/?next=%2Fchat%2F"
    assert client.post("/organizations/choose/", {
        "org": str(shop_b.org.id), "next": "https://evil.example/"}).url == "/"


def test_a_member_of_one_organization_cannot_pick_another(make_tenant, client):
    shop_a, shop_b = make_tenant(name="Loja A"), make_tenant(name="Loja B")
    sign_in(client, shop_a.owner_email, shop_a.owner_password)

    assert client.post("/organizations/choose/", {"org": str(shop_b.org.id)}).status_code == 404
    assert client.post("/organizations/choose/", {"org": "not-a-uuid"}).status_code == 404
    assert client.session[SESSION_KEY] == str(shop_a.org.id)
    assert org_in_top_bar(client) == "Loja A"
    assert "Trocar organização" not in client.get("/").content.decode()


def test_signing_out_needs_a_post_and_ends_the_session(make_tenant, client):
    shop = make_tenant()
    sign_in(client, shop.owner_email, shop.owner_password)

    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200
    answer = client.post("/logout/")

    assert answer.status_code == 302 and answer.url == "/login/"
    assert client.get("/").status_code == 302


def test_english_chosen_on_the_login_page_stays_chosen(client):
    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert answer.url == "/login/"

    page = client.get("/login/").content.decode()

    assert "Sign in" in page and "Password" in page and "Entrar" not in page
    assert 'value="pt-br"' in page  # the way back to Portuguese


def test_a_browser_set_to_english_still_gets_portuguese_until_english_is_picked(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "Entrar" in page and "Sign in" not in page


def test_english_reaches_the_signed_in_pages_and_errors(make_tenant, client):
    shop = make_tenant()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert "Wrong email or password." in sign_in(client, shop.owner_email, "nope").content.decode()
    sign_in(client, shop.owner_email, shop.owner_password)
    page = client.get("/").content.decode()
    assert "Conversations" in page and "Sign out" in page
