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


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_folder_of_the_session(tmp_path_factory):
    """Files the tests store land in a temporary folder, never in a data dir."""
    from django.conf import settings as django_settings
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("media")
    storage = {**django_settings.STORAGES["ponte_media"]}
    if storage["BACKEND"].endswith("FileSystemStorage"):
        storage["OPTIONS"] = {**storage["OPTIONS"], "location": folder}
    override = override_settings(STORAGES={**django_settings.STORAGES, "ponte_media": storage})
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-compatible server (moto) on loopback, for the whole session."""
    from tests.object_storage import s3_server

    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_media(s3_endpoint, settings):
    """The media storage switched to a fresh bucket of the loopback S3 server."""
    from ponte.settings import media_storage_config
    from tests.object_storage import MediaPlace, new_bucket, s3_environment

    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "ponte_media": media_storage_config(
        s3_environment(s3_endpoint, bucket))}
    return MediaPlace("s3", endpoint=s3_endpoint, bucket=bucket)


@pytest.fixture
def filesystem_media(tmp_path, settings):
    """The media storage in a folder of the test's own (the default backend)."""
    from ponte.settings import media_storage_config
    from tests.object_storage import MediaPlace

    storage = media_storage_config({})
    storage["OPTIONS"] = {**storage["OPTIONS"], "location": tmp_path / "media"}
    settings.STORAGES = {**settings.STORAGES, "ponte_media": storage}
    return MediaPlace("filesystem", folder=tmp_path / "media")


@pytest.fixture(scope="module", params=["filesystem", "s3"])
def served_media(request, tmp_path_factory):
    """Where a spawned `ponte` process keeps its files: each module that takes it runs
    twice, with files in its data folder, then in a fresh bucket of the loopback S3 server.
    `.env` goes into the process's environment; `.place(data_dir)` looks at what it stored."""
    from types import SimpleNamespace

    from tests.object_storage import MediaPlace, new_bucket, s3_environment

    if request.param == "filesystem":
        return SimpleNamespace(env={}, place=lambda data_dir: MediaPlace(
            "filesystem", folder=data_dir / "media"))
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)
    return SimpleNamespace(env=s3_environment(endpoint, bucket), place=lambda data_dir: MediaPlace(
        "s3", endpoint=endpoint, bucket=bucket))


@pytest.fixture(params=["filesystem", "s3"])
def media_storage(request):
    """Each test that takes it runs twice: files in a folder, then in an S3 bucket."""
    return request.getfixturevalue(f"{request.param}_media")
