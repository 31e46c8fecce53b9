"""Health and metrics as an operator reads them."""

import json

import pytest
from django.test import Client

from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_reports_database_queue_and_each_instance(make_tenant):
    tenant = make_tenant()
    Client().post(tenant.instance.webhook_path, data=json.dumps(wppconnect_text(message_id="M1")),
                  content_type="application/json")
    body = Client().get("/healthz").json()
    assert body["database"] == "ok"
    assert body["queue"]["inbox_pending"] == 1
    assert body["instances"] == [{"id": str(tenant.instance.pk), "engine": "wppconnect",
                                  "state": "disconnected"}]


def test_metrics_count_webhooks_and_show_backlogs(make_tenant):
    tenant = make_tenant()
    client = Client()
    client.post(tenant.instance.webhook_path, data=json.dumps(wppconnect_text(message_id="M1")),
                content_type="application/json")
    client.post(tenant.instance.webhook_path, data=b"{broken", content_type="application/json")
    text = client.get("/metrics").content.decode()
    assert 'ponte_webhooks_total{engine="wppconnect",outcome="accepted"}' in text
    assert 'ponte_webhooks_total{engine="wppconnect",outcome="malformed_json"}' in text
    assert "ponte_inbox_pending 1.0" in text
    assert tenant.instance.webhook_token not in text
