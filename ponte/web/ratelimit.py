"""Failed sign-ins counted per email and per client address, in Django's cache.

Counters live in the default cache so every web process sees the same numbers when that
cache is shared (Redis); a fixed window starts at the first failure and expires with it.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _email_key(email: str) -> str:
    # Hashed: cache keys must stay short and plain whatever a person types.
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    return f"ponte:login-fail:email:{digest}"


def _ip_key(request: HttpRequest) -> str:
    return f"ponte:login-fail:ip:{request.META.get('REMOTE_ADDR', '')}"


def sign_in_blocked(request: HttpRequest, email: str) -> bool:
    """Too many recent failures for this email or this address: refuse before any password check."""
    email_key, ip_key = _email_key(email), _ip_key(request)
    counts = cache.get_many([email_key, ip_key])
    return (counts.get(email_key, 0) >= settings.PONTE_LOGIN_MAX_FAILURES_PER_EMAIL
            or counts.get(ip_key, 0) >= settings.PONTE_LOGIN_MAX_FAILURES_PER_IP)


def record_sign_in_failure(request: HttpRequest, email: str) -> None:
    window = settings.PONTE_LOGIN_FAILURE_WINDOW_SECONDS
    for key in (_email_key(email), _ip_key(request)):
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: start a new window
            cache.set(key, 1, timeout=window)


def clear_sign_in_failures(email: str) -> None:
    """A person who proves the password starts afresh; the address keeps its count."""
    cache.delete(_email_key(email))
