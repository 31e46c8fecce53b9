"""POST /webhooks/<instance_id>/<token>: answer only once the body is durable."""

import json
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ponte.accounts.models import Engine, Instance
from ponte.db import serialized_writes
from ponte.diagnostics.services import record_webhook
from ponte.engines import UnknownPayload
from ponte.engines.cloudapi import verify_signature
from ponte.inbox import worker
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import relevant_events
from ponte.privacy.filters import do_count_dropped


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _instance_for(instance_id, token: str) -> Instance | None:
    instance = Instance.objects.filter(pk=instance_id).first()
    if instance is None or not instance.accepts_token(token):
        return None
    return instance


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, instance_id, token: str) -> HttpResponse:
    started = time.perf_counter()
    instance = _instance_for(instance_id, token)
    if instance is None:
        return error(404, "not_found", "No such webhook.")
    if request.method == "GET":
        return _verification_handshake(request, instance)

    def reject(status: int, code: str, detail: str) -> JsonResponse:
        record_webhook(instance, status_code=status, outcome=code, path=request.path,
                       latency_ms=(time.perf_counter() - started) * 1000, error=detail)
        return error(status, code, detail)

    declared = int(request.headers.get("Content-Length") or 0)
    if declared > settings.PONTE_MAX_WEBHOOK_BYTES:
        return reject(413, "too_large", f"Body over {settings.PONTE_MAX_WEBHOOK_BYTES} bytes.")
    body = request.body
    if len(body) > settings.PONTE_MAX_WEBHOOK_BYTES:
        return reject(413, "too_large", f"Body over {settings.PONTE_MAX_WEBHOOK_BYTES} bytes.")
    if instance.engine == Engine.CLOUDAPI and instance.app_secret and not verify_signature(
            body, request.headers.get("X-Hub-Signature-256"), instance.app_secret):
        return reject(401, "bad_signature", "X-Hub-Signature-256 does not match the body.")
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return reject(400, "malformed_json", f"Body is not valid JSON: {exc}")
    if not isinstance(payload, dict):
        return reject(400, "not_an_object", "Body must be a JSON object.")

    try:
        events, dropped = relevant_events(instance, payload)
    except UnknownPayload as exc:
        # Kept (as failed) so nothing is lost if a later version learns this event.
        with transaction.atomic():
            InboxEvent.objects.create(org_id=instance.org_id, instance=instance, body=text,
                                      state=InboxEvent.State.FAILED, error=str(exc)[:300])
            record_webhook(instance, status_code=200, outcome="unknown_event", path=request.path,
                           error=str(exc))
        return JsonResponse({"status": "ignored", "detail": "Unknown event; kept for review."})

    latency = (time.perf_counter() - started) * 1000
    with serialized_writes(), transaction.atomic():
        if events:
            InboxEvent.objects.create(org_id=instance.org_id, instance=instance, body=text)
            transaction.on_commit(worker.wake)
        if dropped:
            do_count_dropped(instance.org_id, dropped)
        record_webhook(instance, status_code=200, path=request.path, latency_ms=latency,
                       outcome="accepted" if events else "ignored")
    return JsonResponse({"status": "accepted" if events else "ignored"})


def _verification_handshake(request: HttpRequest, instance: Instance) -> HttpResponse:
    """Meta's subscription check: echo hub.challenge when the verify token is ours."""
    params = request.GET
    if params.get("hub.mode") != "subscribe" or not instance.accepts_token(
            params.get("hub.verify_token", "")):
        return error(403, "verification_failed", "hub.verify_token does not match.")
    return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")


@csrf_exempt
def noop(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: read the body, answer, do nothing else."""
    request.body  # noqa: B018
    return JsonResponse({"status": "ok"})
