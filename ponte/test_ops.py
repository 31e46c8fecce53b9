"""Health and metrics as an operator reads them."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def onmessage(n: int) -> dict:
    return {"event": "onmessage", "session": "s", "id": f"false_5531987654321@c.us_M{n}",
            "body": "oi", "type": "chat", "t": 1767225600 + n, "from": "5531987654321@c.us",
            "to": "5511988880000@c.us", "fromMe": False, "chatId": "5531987654321@c.us"}


def test_healthz_reports_database_queue_and_each_instance(make_tenant):
    tenant = make_tenant()
    Client().post(tenant.instance.webhook_path, data=json.dumps(onmessage(1)),
                  content_type="application/json")
    body = Client().get("/healthz").json()
    assert body["database"] == "ok"
    assert body["queue"]["inbox_pending"] == 1
    assert body["instances"] == [{"id": str(tenant.instance.pk), "engine": "wppconnect",
                                  "state": "disconnected"}]


def test_metrics_count_webhooks_and_show_backlogs(make_tenant):
    tenant = make_tenant()
    client = Client()
    client.post(tenant.instance.webhook_path, data=json.dumps(onmessage(1)),
                content_type="application/json")
    client.post(tenant.instance.webhook_path, data=b"{broken", content_type="application/json")
    text = client.get("/metrics").content.decode()
    assert 'ponte_webhooks_total{engine="wppconnect",outcome="accepted"}' in text
    assert 'ponte_webhooks_total{engine="wppconnect",outcome="malformed_json"}' in text
    assert "ponte_inbox_pending 1.0" in text
    assert tenant.instance.webhook_token not in text
