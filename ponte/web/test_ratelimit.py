"""Failed sign-ins are limited per email and per address, before any password check."""

import time

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sign_in_counters")]
TOO_MANY = "Muitas tentativas de entrar sem sucesso."


def attempt(client: Client, email: str, password: str):
    return client.post("/login/", {"username": email, "password": password})


def fail(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        assert attempt(client, email, "wrong-password").status_code == 200


def test_the_sixth_attempt_is_refused_even_with_the_right_password(make_tenant, client,
                                                                    monkeypatch):
    shop = make_tenant()
    fail(client, shop.owner_email, 5)
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", pytest.fail)  # not even checked

    answer = attempt(client, shop.owner_email, shop.owner_password)

    assert answer.status_code == 429
    assert TOO_MANY in answer.content.decode()
    assert client.get("/").status_code == 302  # still signed out


def test_the_limit_counts_the_email_in_any_case(make_tenant, client):
    shop = make_tenant(owner_email="dona@loja.test")
    fail(client, "DONA@loja.test", 3)
    fail(client, "dona@LOJA.test", 2)

    assert attempt(client, "dona@loja.test", shop.owner_password).status_code == 429


def test_another_email_is_unaffected(make_tenant, client):
    shop, other = make_tenant(name="Loja A"), make_tenant(name="Loja B")
    fail(client, shop.owner_email, 5)

    assert attempt(client, other.owner_email, other.owner_password).status_code == 302


def test_a_successful_sign_in_clears_the_email_counter(make_tenant, client):
    shop = make_tenant()
    fail(client, shop.owner_email, 4)
    assert attempt(client, shop.owner_email, shop.owner_password).status_code == 302
    client.post("/logout/")

    fail(client, shop.owner_email, 4)

    assert attempt(client, shop.owner_email, shop.owner_password).status_code == 302


def test_one_address_trying_many_emails_is_stopped(make_tenant, settings):
    settings.PONTE_LOGIN_MAX_FAILURES_PER_IP = 3
    shop = make_tenant()
    crawler = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        fail(crawler, f"guess{n}@loja.test", 1)

    assert attempt(crawler, shop.owner_email, shop.owner_password).status_code == 429
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    assert attempt(neighbour, shop.owner_email, shop.owner_password).status_code == 302


def test_the_limits_are_settings(make_tenant, client, settings):
    settings.PONTE_LOGIN_MAX_FAILURES_PER_EMAIL = 2
    shop = make_tenant()
    fail(client, shop.owner_email, 2)

    assert attempt(client, shop.owner_email, shop.owner_password).status_code == 429


def test_the_window_expires(make_tenant, client, settings):
    settings.PONTE_LOGIN_FAILURE_WINDOW_SECONDS = 1
    shop = make_tenant()
    fail(client, shop.owner_email, 5)
    assert attempt(client, shop.owner_email, shop.owner_password).status_code == 429

    time.sleep(1.2)

    assert attempt(client, shop.owner_email, shop.owner_password).status_code == 302
