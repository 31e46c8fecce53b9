"""POST /webhooks/<instance_id>/<token>: answer only once the body is durable."""

import json
import time
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ponte.accounts.lookup import webhook_instance
from ponte.accounts.models import Instance
from ponte.engines import UnknownPayload, adapter_for
from ponte.engines.events import dump_events
from ponte.engines.reading import UnreadableJson, read_json
from ponte.inbox.committer import Arrival
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import relevant_events
from ponte.privacy.hidden import HiddenSet, cached_hidden_set


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
async def webhook(request: HttpRequest, instance_id, token: str) -> HttpResponse:
    started = time.perf_counter()
    instance = await webhook_instance(instance_id)
    if instance is None or not instance.accepts_token(token):
        return error(404, "not_found", "No such webhook.")
    if request.method == "GET":
        return _verification_handshake(request, instance)

    hidden = await cached_hidden_set(instance.org_id)
    arrival = _receive(request, instance, hidden)
    arrival.latency_ms = (time.perf_counter() - started) * 1000
    try:
        await apps.get_app_config("inbox").committer.submit(arrival)
    except Exception:
        return error(503, "unavailable", "Could not store the webhook; retry later.")
    if arrival.status_code != 200:
        return error(arrival.status_code, arrival.outcome, arrival.error)
    if arrival.outcome == "wrong_session":
        return JsonResponse({"status": "ignored", "detail": arrival.error})
    if arrival.outcome == "unknown_event":
        return JsonResponse({"status": "ignored", "detail": "Unknown event; kept for review."})
    return JsonResponse({"status": arrival.outcome})


def _receive(request: HttpRequest, instance: Instance, hidden: HiddenSet) -> Arrival:
    """Check and parse a body; the arrival says what to store and what to answer.

    Whatever is from or to a hidden number goes before anything is written: a body
    that carried only that is not stored, nor logged; one that carried other events
    too is stored as those events alone, in our own JSON.
    """
    def outcome(status: int, code: str, detail: str = "", **stored) -> Arrival:
        return Arrival(org_id=instance.org_id, instance_id=instance.pk, path=request.path,
                       status_code=status, outcome=code, error=detail, latency_ms=0.0,
                       engine=instance.engine, **stored)

    cap = settings.PONTE_MAX_WEBHOOK_BYTES
    body = request.body
    if len(body) > cap:
        return outcome(413, "too_large", f"Body over {cap} bytes.")
    adapter = adapter_for(instance.engine)
    if not adapter.verify_request(instance, body, request.headers):
        return outcome(401, "bad_signature", "The request's signature does not match its body.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return outcome(400, "malformed_json", f"Body is not UTF-8: {exc}")
    try:
        payload = read_json(text)
    except UnreadableJson as exc:
        return outcome(400, exc.code, str(exc))
    if not isinstance(payload, dict):
        return outcome(400, "not_an_object", "Body must be a JSON object.")
    named = adapter.session_of(payload)
    if named is not None and named != instance.session_name:
        return outcome(200, "wrong_session", f"Webhook for session {named[:80]!r}, not this "
                       f"instance's {instance.session_name!r}: ignored. Point that session's "
                       "webhook at its own instance's URL.")
    try:
        events = adapter.parse(payload)
    except UnknownPayload as exc:
        if hidden and hidden.mentioned_in(text):
            return outcome(200, "ignored", dropped=Counter(hidden=1), logged=False)
        # Kept (as failed) so nothing is lost if a later version learns this event.
        if adapter.scrub_secrets(payload):
            text = json.dumps(payload)
        return outcome(200, "unknown_event", str(exc), body=text, state=InboxEvent.State.FAILED)
    found = relevant_events(events, hidden, text)
    hiding = bool(found.dropped["hidden"])
    if not found.kept:
        return outcome(200, "ignored", dropped=found.dropped, learnt=found.learnt,
                       logged=not hiding)
    if hiding:
        return outcome(200, "accepted", body=dump_events(found.kept), canonical=True,
                       dropped=found.dropped, learnt=found.learnt)
    if adapter.scrub_secrets(payload):
        text = json.dumps(payload)
    return outcome(200, "accepted", body=text, dropped=found.dropped, learnt=found.learnt)


def _verification_handshake(request: HttpRequest, instance: Instance) -> HttpResponse:
    """An engine's check of the URL before it posts there (the Cloud API's verify token)."""
    answer = adapter_for(instance.engine).answer_handshake(instance, request.GET)
    if answer is None:
        return error(403, "verification_failed", "The verification token does not match.")
    return HttpResponse(answer, content_type="text/plain")


@csrf_exempt
async def noop(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: read the body, answer, do nothing else."""
    request.body  # noqa: B018
    return JsonResponse({"status": "ok"})
