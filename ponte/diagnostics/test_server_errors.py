"""A 500 is a bug: it leaves its traceback in the log and an entry in the diagnostic log."""

import io
import logging

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path

from ponte.diagnostics.models import DiagnosticEntry
from ponte.web.membership import member_required

pytestmark = pytest.mark.django_db


class Broken(Exception):
    pass


def broken(request: HttpRequest, **kwargs):
    raise Broken("the view fell over")


urlpatterns = [
    path("webhooks/<uuid:instance_id>/<str:token>", broken),
    path("api/v1/broken", broken),
    path("broken/", member_required(broken)),
    path("", include("ponte.urls")),
]
handler500 = "ponte.errors.server_error"


@pytest.fixture
def console():
    """What the console handler of `django.request` prints, as configured in settings."""
    handler = next(h for h in logging.getLogger("django.request").handlers
                   if isinstance(h, logging.StreamHandler))
    printed = io.StringIO()
    previous = handler.setStream(printed)
    yield printed
    handler.setStream(previous)


@pytest.mark.urls(__name__)
def test_a_500_on_a_page_prints_its_traceback_and_lands_in_the_org_log(make_tenant, console,
                                                                        settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    tenant = make_tenant()
    client = Client(raise_request_exception=False)
    client.login(username=tenant.owner_email, password=tenant.owner_password)

    response = client.get("/broken/?secret=1")

    assert response.status_code == 500
    assert "Traceback" in console.getvalue() and "the view fell over" in console.getvalue()
    entry = DiagnosticEntry.objects.for_org(tenant.org).get()
    assert (entry.instance, entry.status_code, entry.outcome) == (tenant.instance, 500,
                                                                  "server_error")
    assert entry.path == "/broken/" and entry.error == "Broken: the view fell over"


@pytest.mark.urls(__name__)
def test_a_500_in_a_webhook_is_logged_for_its_instance_without_the_token(make_tenant, console):
    tenant = make_tenant()

    response = Client(raise_request_exception=False).post(tenant.instance.webhook_path, {})

    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "detail": "Unexpected error; logged."}
    entry = DiagnosticEntry.objects.get()
    assert entry.instance == tenant.instance and entry.outcome == "server_error"
    assert tenant.instance.webhook_token not in entry.path
    assert "Traceback" in console.getvalue()


@pytest.mark.urls(__name__)
def test_a_500_without_a_known_organization_still_leaves_an_entry(make_tenant, console):
    make_tenant()

    response = Client(raise_request_exception=False).get("/api/v1/broken")

    assert response.status_code == 500
    entry = DiagnosticEntry.objects.get()
    assert (entry.org, entry.instance, entry.status_code) == (None, None, 500)


@pytest.mark.urls(__name__)
def test_a_4xx_leaves_no_entry_and_prints_nothing(make_tenant, console):
    make_tenant()

    assert Client().get("/no-such-page/").status_code == 404

    assert not DiagnosticEntry.objects.exists()
    assert console.getvalue() == ""


@pytest.mark.urls(__name__)
def test_settings_shows_a_500_as_an_internal_error_in_the_log(make_tenant, console, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    tenant = make_tenant()
    client = Client(raise_request_exception=False)
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    assert client.get("/broken/").status_code == 500

    page = client.get("/settings/whatsapp/?errors=1").content.decode()

    assert "erro interno do Ponte" in page and "Broken: the view fell over" in page
