"""Prometheus metrics: counters kept in-process, queue and session gauges read at scrape."""

from django.db.models import Count
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

WEBHOOKS = Counter("ponte_webhooks_total", "Webhooks received, by engine and outcome.",
                   ["engine", "outcome"])
WEBHOOK_ACK_SECONDS = Histogram("ponte_webhook_ack_seconds",
                                "Time from request to a committed acknowledgement.")
ENGINE_CALLS = Counter("ponte_engine_calls_total", "Calls to engines, by engine and outcome.",
                       ["engine", "outcome"])
ENGINE_CALL_SECONDS = Histogram("ponte_engine_call_seconds", "Engine call latency.", ["engine"])
SENDS = Counter("ponte_sends_total",
                "Outbound send results: sent, retried, reconciled, failed.", ["outcome"])


class DatabaseGauges(Collector):
    """Backlogs and session states, read from the database so every process agrees."""

    def collect(self):
        from ponte.accounts.models import Instance
        from ponte.conversations.models import Message
        from ponte.inbox.models import InboxEvent

        inbox = GaugeMetricFamily("ponte_inbox_pending", "Webhook bodies waiting to be processed.")
        inbox.add_metric([], InboxEvent.objects.filter(state=InboxEvent.State.PENDING).count())
        yield inbox
        outbound = GaugeMetricFamily("ponte_outbound_pending", "Messages waiting to be sent.")
        outbound.add_metric([], Message.objects.filter(status="pending").count())
        yield outbound
        states = GaugeMetricFamily("ponte_instances", "Instances by session state.",
                                   labels=["state"])
        for row in Instance.objects.values("state").annotate(n=Count("id")):
            states.add_metric([row["state"]], row["n"])
        yield states


_registered = False


def register_database_gauges() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(DatabaseGauges())
        _registered = True
