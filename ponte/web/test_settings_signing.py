"""Settings › WhatsApp says whether the Cloud API's webhooks are checked, and takes the secret."""


import pytest
from django.test import Client
from django.urls import reverse

from emulators.cloudapi import sign
from ponte.accounts.models import Instance
from tests.support import fixtures_dir

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = "/settings/whatsapp/"
CLOUD = {"secrets_list": ["EAAG-token"], "phone_number_id": "1065403522"}


def signed_in(tenant) -> Client:
    browser = Client()
    browser.login(username=tenant.owner_email, password=tenant.owner_password)
    return browser


def post_webhook(instance: Instance, secret: str | None = None) -> int:
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    headers = {}
    if secret:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return Client().post(instance.webhook_path, data=body, content_type="application/json",
                         headers=headers).status_code


def test_a_cloud_api_number_without_app_secret_says_webhooks_are_refused(make_tenant):
    tenant = make_tenant("cloudapi", **CLOUD)
    page = signed_in(tenant).get(PAGE).content.decode()
    assert "Webhooks recusados: falta o App Secret." in page


def test_the_unsigned_opt_out_shows_as_a_warning(make_tenant):
    tenant = make_tenant("cloudapi", allow_unsigned_webhooks=True, **CLOUD)
    page = signed_in(tenant).get(PAGE).content.decode()
    assert "Atenção: webhooks sem assinatura são aceitos." in page
    assert "mensagens falsas" in page


def test_saving_the_app_secret_makes_webhooks_checked(make_tenant):
    tenant = make_tenant("cloudapi", allow_unsigned_webhooks=True, **CLOUD)
    browser = signed_in(tenant)
    answer = browser.post(reverse("settings_whatsapp_app_secret", args=[tenant.instance.pk]),
                          {"app_secret": "  meta-app-secret "}, follow=True)
    page = answer.content.decode()
    assert "App Secret salvo" in page
    assert "conferido com o App Secret" in page and "sem assinatura são aceitos" not in page
    assert "meta-app-secret" not in page  # the secret is never shown back
    instance = Instance.objects.get()
    assert post_webhook(instance) == 401
    assert post_webhook(instance, "meta-app-secret") == 200


def test_an_empty_app_secret_changes_nothing(make_tenant):
    tenant = make_tenant("cloudapi", **CLOUD)
    answer = signed_in(tenant).post(
        reverse("settings_whatsapp_app_secret", args=[tenant.instance.pk]),
        {"app_secret": "   "}, follow=True)
    assert "Informe o App Secret." in answer.content.decode()
    assert Instance.objects.get().app_secret == ""


def test_engines_that_do_not_sign_show_no_signature_section(make_tenant):
    tenant = make_tenant("wppconnect")
    assert "Assinatura dos webhooks" not in signed_in(tenant).get(PAGE).content.decode()
    url = reverse("settings_whatsapp_app_secret", args=[tenant.instance.pk])
    assert signed_in(tenant).post(url, {"app_secret": "x"}).status_code == 404


def test_another_organizations_number_cannot_be_changed(make_tenant):
    mine, theirs = make_tenant("cloudapi", name="A", **CLOUD), make_tenant("cloudapi", name="B",
                                                                           **CLOUD)
    url = reverse("settings_whatsapp_app_secret", args=[theirs.instance.pk])
    assert signed_in(mine).post(url, {"app_secret": "mine"}).status_code == 404
    assert Instance.objects.get(pk=theirs.instance.pk).app_secret == ""
