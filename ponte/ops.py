"""Health and metrics for operators: they read every app's tables, so they sit on top."""

from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from ponte.accounts.models import Instance
from ponte.conversations.models import Message, MessageStatus
from ponte.inbox.models import InboxEvent


def backlogs() -> dict[str, int]:
    return {
        "inbox_pending": InboxEvent.objects.filter(state=InboxEvent.State.PENDING).count(),
        "outbound_pending": Message.objects.filter(status=MessageStatus.PENDING).count(),
    }


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database round trip, the backlogs, and each instance's session state."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body = {
            "status": "ok", "database": "ok", "database_vendor": connection.vendor,
            "queue": backlogs(),
            "instances": [{"id": str(pk), "engine": engine, "state": state}
                          for pk, engine, state in
                          Instance.objects.values_list("id", "engine", "state")],
        }
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


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text: the in-process counters, and gauges read from the database."""
    global _gauges
    if _gauges is None:
        _gauges = DatabaseGauges()
        REGISTRY.register(_gauges)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
