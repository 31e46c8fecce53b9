"""Prometheus counters, kept in-process by whoever does the counted work."""

from prometheus_client import Counter, Histogram

WEBHOOKS = Counter("ponte_webhooks_total", "Webhooks received, by engine and outcome.",
                   ["engine", "outcome"])
WEBHOOK_ACK_SECONDS = Histogram("ponte_webhook_ack_seconds",
                                "Time from request to a committed acknowledgement.")
ENGINE_CALLS = Counter("ponte_engine_calls_total", "Calls to engines, by engine and outcome.",
                       ["engine", "outcome"])
ENGINE_CALL_SECONDS = Histogram("ponte_engine_call_seconds", "Engine call latency.", ["engine"])
SENDS = Counter("ponte_sends_total",
                "Outbound send results: sent, retried, reconciled, failed.", ["outcome"])
