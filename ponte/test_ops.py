"""Health and metrics as an operator reads them."""

import json

import pytest
from django.test import Client

from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)


def post_one_webhook(tenant) -> None:
    Client().post(tenant.instance.webhook_path, data=json.dumps(wppconnect_text(message_id="M1")),
                  content_type="application/json")


def test_anonymous_healthz_says_only_up_database_and_queue(make_tenant):
    tenant = make_tenant()
    post_one_webhook(tenant)
    answer = Client().get("/healthz")
    assert answer.json() == {"status": "ok", "database": "ok",
                             "queue": {"inbox_pending": 1, "outbound_pending": 0}}
    assert str(tenant.instance.pk) not in answer.content.decode()


def test_an_api_key_sees_the_state_of_its_own_instances_only(make_tenant):
    mine, theirs = make_tenant(name="Loja A"), make_tenant(name="Loja B")
    body = Client().get("/healthz", headers={"Authorization": f"Bearer {mine.api_key}"}).json()
    assert body["instances"] == [{"id": str(mine.instance.pk), "engine": "wppconnect",
                                  "state": "disconnected"}]
    assert str(theirs.instance.pk) not in json.dumps(body)


def test_a_wrong_api_key_sees_what_anyone_sees(make_tenant):
    make_tenant()
    body = Client().get("/healthz", headers={"Authorization": "Bearer pk_nope.nope"}).json()
    assert "instances" not in body


def test_a_signed_in_member_sees_the_state_of_its_own_instances_only(make_tenant):
    mine, theirs = make_tenant(name="Loja A"), make_tenant(name="Loja B")
    browser = Client()
    browser.login(username=mine.owner_email, password=mine.owner_password)
    body = browser.get("/healthz").json()
    assert [row["id"] for row in body["instances"]] == [str(mine.instance.pk)]
    assert str(theirs.instance.pk) not in json.dumps(body)


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


def test_metrics_are_served_to_this_machine_only_by_default(make_tenant):
    assert Client().get("/metrics").status_code == 200
    outside = Client(REMOTE_ADDR="203.0.113.7").get("/metrics")
    assert outside.status_code == 403
    assert outside.json()["error"] == "forbidden"
    # Through a proxy on this machine: loopback peer, but the request came from elsewhere.
    proxied = Client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 403


def test_with_a_metrics_token_only_its_bearer_reads_metrics(make_tenant, settings):
    settings.PONTE_METRICS_TOKEN = "scrape-me-please"
    outside = Client(REMOTE_ADDR="203.0.113.7")
    assert outside.get("/metrics").status_code == 401
    assert Client().get("/metrics").status_code == 401  # loopback is not enough now
    wrong = outside.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = outside.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
    assert right.status_code == 200
    assert "ponte_inbox_pending" in right.content.decode()
