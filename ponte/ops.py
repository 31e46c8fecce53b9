"""Health and metrics for operators: they read every app's tables, so they sit on top."""

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from ponte.accounts.models import ApiKey, Instance, Member
from ponte.conversations.models import Message, MessageStatus
from ponte.inbox.models import InboxEvent
from ponte.proxies import is_loopback

# A loopback peer carrying these came through a proxy on this machine: not a local reader.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def backlogs() -> dict[str, int]:
    return {
        "inbox_pending": InboxEvent.objects.filter(state=InboxEvent.State.PENDING).count(),
        "outbound_pending": Message.objects.filter(status=MessageStatus.PENDING).count(),
    }


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _caller_orgs(request: HttpRequest) -> list | None:
    """The organizations an API key or a signed-in member speaks for; None when anonymous.

    Machine paths skip the session middleware (ponte.asgi), so the session is read here.
    """
    if token := _bearer(request):
        key = ApiKey.objects.authenticate(token)
        return [key.org_id] if key else None
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    if not user.is_authenticated:
        return None
    return list(Member.objects.filter(user=user).values_list("org_id", flat=True))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up, the database round trip and the backlogs for anyone; each instance's state
    only to a caller of its own organization (ids and engines are not for strangers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body = {"status": "ok", "database": "ok", "queue": backlogs()}
        orgs = _caller_orgs(request)
        if orgs is not None:
            mine = Instance.objects.filter(org_id__in=orgs).order_by("created_at")
            body["instances"] = [{"id": str(pk), "engine": engine, "state": state}
                                 for pk, engine, state in
                                 mine.values_list("id", "engine", "state")]
        return JsonResponse(body)
    except Exception as exc:  # the health check reports, it never raises
        return JsonResponse({"status": "degraded", "database": f"error: {type(exc).__name__}"},
                            status=503)


class DatabaseGauges(Collector):
    """Backlogs and session states, read from the database so every process agrees."""

    def collect(self):
        waiting = backlogs()
        inbox = GaugeMetricFamily("ponte_inbox_pending", "Webhook bodies waiting to be processed.")
        inbox.add_metric([], waiting["inbox_pending"])
        yield inbox
        outbound = GaugeMetricFamily("ponte_outbound_pending", "Messages waiting to be sent.")
        outbound.add_metric([], waiting["outbound_pending"])
        yield outbound
        states = GaugeMetricFamily("ponte_instances", "Instances by session state.",
                                   labels=["state"])
        for row in Instance.objects.values("state").annotate(n=Count("id")):
            states.add_metric([row["state"]], row["n"])
        yield states


_gauges: DatabaseGauges | None = None


def metrics_refusal(request: HttpRequest) -> JsonResponse | None:
    """With PONTE_METRICS_TOKEN, its bearer only; without, this machine only, not proxied."""
    token = settings.PONTE_METRICS_TOKEN
    if token:
        if secrets.compare_digest(_bearer(request).encode(), token.encode()):
            return None
        return JsonResponse({"error": "unauthorized",
                             "detail": "Send Authorization: Bearer <PONTE_METRICS_TOKEN>."},
                            status=401)
    proxied = any(name in request.headers for name in PROXY_HEADERS)
    if is_loopback(request.META.get("REMOTE_ADDR", "")) and not proxied:
        return None
    return JsonResponse({"error": "forbidden",
                         "detail": "Metrics are served to this machine only; set "
                                   "PONTE_METRICS_TOKEN to read them from elsewhere."},
                        status=403)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text: the in-process counters, and gauges read from the database."""
    global _gauges
    if refusal := metrics_refusal(request):
        return refusal
    if _gauges is None:
        _gauges = DatabaseGauges()
        REGISTRY.register(_gauges)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
