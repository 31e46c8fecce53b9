"""Fixtures of the web app's tests."""

import uuid

import pytest


@pytest.fixture
def fresh_sign_in_counters(settings):
    """Failed sign-ins counted from zero, and quick password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    # Counters must not leak between tests; a fresh key prefix spares a shared Redis a flush.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}
