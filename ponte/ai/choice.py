"""Which provider reads an organization's chats, and what happens when a remote one cannot.

`provider_for(org_id)` is the offline model unless the organization chose Gemini or an
OpenAI-compatible server. A remote choice comes wrapped (`Budgeted`): each answer first
takes a call from the day's budget, and when the budget is spent, the key cannot be read
or the provider fails, the seller still gets the offline answer. Every remote call, and
the budget running out (once a day), is written to the organization's diagnostic log.
"""

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from ponte.accounts.crypto import decrypt
from ponte.ai.models import AISettings
from ponte.ai.offline import trained
from ponte.ai.scoring import ChatLine, Provider, Score, Suggestion
from ponte.ai.services import key_needed, today
from ponte.db import serialized_writes
from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import fold_or_add, prune_unattached, redact_path
from ponte.text import clip_error

# `ponte.ai.remote` is imported inside the functions that call out: it loads the Gemini and
# OpenAI SDKs, which every process importing the lead services would otherwise pay for.
log = logging.getLogger(__name__)
LOG_ROWS = 100
# After a provider could not be reached, refused the key or asked us to slow down, the
# organization's answers come from the offline model for a while, without calling: a dead
# server must not hold the lead worker (and every other shop's scores) for a timeout and
# its retries per lead. Per process; changed settings start afresh.
REST_SECONDS = 300.0
REST_OUTCOMES = frozenset({"timeout", "refused", "auth", "rate_limited", "http_error"})
_resting: dict[tuple, float] = {}  # (org id, settings' updated_at) -> monotonic end of rest
Answer = TypeVar("Answer", Score, Suggestion)


def provider_for(org_id) -> Provider:
    """The provider the organization chose, or the offline one when a remote one cannot run
    at all (no key, a key this server cannot decrypt, a budget of 0)."""
    ai = AISettings.objects.filter(org_id=org_id).first()
    if ai is None or ai.daily_budget == 0:
        return trained()
    config = remote_config_for(org_id, ai)
    if config is None:
        return trained()
    return Budgeted(org_id, config, trained(), version=ai.updated_at)


def remote_config_for(org_id, ai: AISettings | None = None):
    """The remote provider the organization chose, ready to call; None when it chose the
    offline one, or a remote one cannot run (no key it needs, a key that cannot be read)."""
    ai = ai or AISettings.objects.filter(org_id=org_id).first()
    if ai is None or not ai.remote or (key_needed(ai) and not ai.api_key):
        return None
    try:
        key = decrypt(ai.api_key) if ai.api_key else ""
    except ValueError:  # PONTE_ENCRYPTION_KEY or SECRET_KEY changed since it was saved
        note_outcome(org_id, ai.provider, "key_unreadable")
        return None
    return _config(ai, key)


def style_note_for(org_id) -> str:
    """The shop's tone for reply drafts ("" when it set none)."""
    return (AISettings.objects.filter(org_id=org_id).values_list("style_note", flat=True)
            .first() or "")


def default_models() -> dict[str, str]:
    """The model each remote provider uses when the organization names none."""
    from ponte.ai.remote import DEFAULT_MODELS

    return dict(DEFAULT_MODELS)


def default_transcription_models() -> dict[str, str]:
    """The model each remote transcriber uses when the organization names none."""
    from ponte.ai.transcribers import DEFAULT_TRANSCRIPTION_MODELS

    return dict(DEFAULT_TRANSCRIPTION_MODELS)


def ai_call_log(org_id):
    """The organization's AI calls, newest first (entries of no instance, going out)."""
    return list(DiagnosticEntry.objects.filter(
        org_id=org_id, instance=None, direction=DiagnosticEntry.Direction.OUTBOUND)
        .order_by("-id")[:LOG_ROWS])


def _config(ai: AISettings, key: str):
    from ponte.ai.remote import DEFAULT_MODELS, RemoteConfig

    return RemoteConfig(kind=ai.provider, model=ai.model or DEFAULT_MODELS[ai.provider],
                        api_key=key, base_url=ai.base_url)


class Budgeted:
    """A remote provider that spends the organization's daily budget and falls back to
    the offline one: a seller never waits on, or loses a score to, someone else's outage."""

    def __init__(self, org_id, config, offline: Provider, version=None) -> None:
        self.org_id, self.config, self.offline = org_id, config, offline
        self.name = config.kind
        self._rest_key = (org_id, version)

    def score(self, messages: Sequence[ChatLine]) -> Score:
        return self._ask("score", lambda remote: remote.score(messages),
                         lambda: self.offline.score(messages))

    def suggest(self, messages: Sequence[ChatLine], customer_name: str | None,
                style_note: str = "") -> Suggestion:
        return self._ask("suggest",
                         lambda remote: remote.suggest(messages, customer_name, style_note),
                         lambda: self.offline.suggest(messages, customer_name, style_note))

    def _ask(self, operation: str, remote_call: Callable[[Provider], Answer],
             offline_call: Callable[[], Answer]) -> Answer:
        from ponte.ai.remote import CallRecord, ProviderFailed, remote_provider

        if self.resting():
            return offline_call()
        if not take_call(self.org_id):
            note_exhausted(self.org_id, self.config.kind)
            return offline_call()
        records: list = []
        remote = None
        try:
            remote = remote_provider(self.config, on_call=records.append)
            return remote_call(remote)
        except ProviderFailed as exc:
            if all(record.outcome == "ok" for record in records):  # failed before any call
                records.append(CallRecord(self.config.kind, operation, "", "", exc.status_code,
                                          0.0, exc.outcome, exc.error))
            if exc.outcome in REST_OUTCOMES:
                _resting[self._rest_key] = time.monotonic() + REST_SECONDS
            return offline_call()
        except Exception as exc:  # a bug of ours must not cost the seller the score
            log.exception("remote %s %s failed unexpectedly", self.config.kind, operation)
            records.append(CallRecord(self.config.kind, operation, "", "", None, 0.0, "error",
                                      f"{type(exc).__name__}: {exc}"))
            return offline_call()
        finally:
            if remote is not None:
                remote.close()
            record_calls(self.org_id, records, secret=self.config.api_key)

    def resting(self) -> bool:
        until = _resting.get(self._rest_key)
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        _resting.pop(self._rest_key, None)
        return False


def take_call(org_id) -> bool:
    """Take one call from today's budget; False when it is spent.

    One UPDATE whose WHERE holds the limit: on PostgreSQL a second worker updating the
    same row waits for the first and re-reads the count, so the budget is never overspent;
    on SQLite writers queue. The count starts over on the first call of a new day.
    """
    day = today()
    with serialized_writes():
        return bool(AISettings.objects.filter(org_id=org_id).filter(
            Q(calls_day=day, calls_today__lt=F("daily_budget"))
            | (~Q(calls_day=day) & Q(daily_budget__gt=0))
        ).update(calls_today=Case(When(calls_day=day, then=F("calls_today") + 1),
                                  default=Value(1)),
                 calls_day=day))


def note_exhausted(org_id, kind: str) -> None:
    """One log entry the first time a day's budget turns a call away."""
    day = today()
    with serialized_writes(), transaction.atomic():
        if AISettings.objects.filter(org_id=org_id).exclude(exhausted_day=day).update(
                exhausted_day=day):
            DiagnosticEntry.objects.create(
                org_id=org_id, instance=None, direction=DiagnosticEntry.Direction.OUTBOUND,
                method="", path=kind, outcome="budget_exhausted")


def note_outcome(org_id, kind: str, outcome: str, error: str = "") -> None:
    """An entry for something that kept a call from leaving (or ended a job that made
    some); repeats fold into it."""
    with serialized_writes(), transaction.atomic():
        fold_or_add(DiagnosticEntry(org_id=org_id, instance=None, method="", path=kind,
                                    direction=DiagnosticEntry.Direction.OUTBOUND,
                                    outcome=outcome, error=clip_error(error),
                                    last_at=timezone.now()))
        _prune(org_id)


def record_calls(org_id, records: Sequence, *, secret: str = "") -> None:
    """Each remote call as a diagnostic entry of the organization (no instance): the path
    named by its provider ("gemini /v1beta/…"), no query string, never the key."""
    if not records:
        return
    with serialized_writes(), transaction.atomic():
        for record in records:
            at = timezone.now() - timedelta(milliseconds=record.latency_ms or 0)
            error = blank(record.error, secret)
            fold_or_add(DiagnosticEntry(
                org_id=org_id, instance=None, direction=DiagnosticEntry.Direction.OUTBOUND,
                method=record.method[:8], path=redact_path(f"{record.provider} {record.path}"),
                status_code=record.status_code, latency_ms=round(record.latency_ms, 2),
                outcome=record.outcome, error=clip_error(error), created_at=at, last_at=at))
        _prune(org_id)


def blank(text: str, secret: str) -> str:
    """`text` without the key, should a provider ever echo it (a short one could be any word,
    so only a real key's length is looked for)."""
    return text.replace(secret, "***") if len(secret) >= 8 else text


def _prune(org_id) -> None:
    prune_unattached(org_id, keep=settings.PONTE_DIAGNOSTICS_KEEP,
                     max_age_days=settings.PONTE_DIAGNOSTICS_MAX_AGE_DAYS)


# What a connection test asks: a one-line chat that holds nothing about anyone.
TEST_CHAT = (ChatLine(True, "Oi! Quanto custa? Aceita pix?"),)
TEST_TIMEOUT = 10.0


def run_asked_tests(limit: int = 5) -> int:
    """Run the connection tests owners asked for on Settings › IA; returns how many ran.

    Each is claimed by clearing `test_asked_at` where it still holds the value read, so
    two workers never run one twice. A test is one real scoring call without retries: it
    counts in the budget and goes to the log like any other.
    """
    asked = list(AISettings.objects.filter(test_asked_at__isnull=False)
                 .order_by("test_asked_at").values_list("org_id", "test_asked_at")[:limit])
    ran = 0
    for org_id, asked_at in asked:
        with serialized_writes():
            claimed = AISettings.objects.filter(org_id=org_id, test_asked_at=asked_at).update(
                test_asked_at=None)
        if not claimed:
            continue
        try:
            outcome, detail, latency = _test(org_id)
        except Exception as exc:  # the owner hears of it; the lead worker goes on
            log.exception("testing the AI provider of %s failed", org_id)
            outcome, detail, latency = "error", f"{type(exc).__name__}", None
        with serialized_writes():
            AISettings.objects.filter(org_id=org_id).update(
                tested_at=timezone.now(), test_outcome=outcome, test_detail=clip_error(detail),
                test_latency_ms=latency)
        ran += 1
    return ran


def _test(org_id) -> tuple[str, str, float | None]:
    """(outcome, pt-BR detail, latency in ms) of one call with the organization's settings."""
    from dataclasses import replace

    from ponte.ai.models import CALL_OUTCOMES
    from ponte.ai.remote import ProviderFailed, remote_provider

    ai = AISettings.objects.get(org_id=org_id)
    if not ai.remote:
        return "", "", None
    try:
        key = decrypt(ai.api_key) if ai.api_key else ""
    except ValueError:
        return "key_unreadable", str(CALL_OUTCOMES["key_unreadable"]), None
    if not take_call(org_id):
        return "budget_exhausted", str(CALL_OUTCOMES["budget_exhausted"]), None
    config = replace(_config(ai, key), timeout=TEST_TIMEOUT, retries=0)
    records: list = []
    remote = remote_provider(config, on_call=records.append)
    try:
        remote.score(TEST_CHAT)
        return "ok", "", records[-1].latency_ms if records else None
    except ProviderFailed as exc:
        return exc.outcome, blank(exc.detail, key), None
    finally:
        remote.close()
        record_calls(org_id, records, secret=key)
