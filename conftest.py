"""Shared pytest fixtures: tenants, a webhook receiver, the browser."""

import shutil

import pytest
from hypothesis import HealthCheck, settings

from tests.support import missing_service

# The suite runs on two busy cores beside servers and browsers: how long a draw takes
# says nothing about the code under test.
settings.register_profile("ponte", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ponte")


@pytest.fixture
def make_tenant(db):
    """Provision an organization with an instance of the given engine."""
    from ponte.accounts.services import do_provision_organization

    def make(engine: str = "wppconnect", name: str = "Loja", **kwargs):
        return do_provision_organization(name, engine, **kwargs)

    return make


@pytest.fixture
def webhook_sink():
    """A loopback receiver that records the webhooks an emulator posts."""
    from emulators.base import WebhookSink

    with WebhookSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing_service("Debian's chromium is not installed")
    return path


@pytest.fixture(autouse=True, scope="session")
def _release_background_connections(django_db_setup):
    """The webhook committer's thread holds a connection; drop it before the test DB goes."""
    yield
    from django.apps import apps

    apps.get_app_config("inbox").committer.release_connections()


@pytest.fixture(autouse=True)
def _portuguese_first():
    """Each test starts in the product's language: a request in English (its cookie) leaves
    the thread in English, and a later test on the same worker would read English words."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
