"""The diagnostic log as an operator reads it, and its retention."""

import json

import pytest
from django.test import Client

from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import prune
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_diagnostic_log_filters_errors_and_pages_newest_first(make_tenant):
    tenant = make_tenant()
    client = Client()
    for n in range(3):
        body = json.dumps(wppconnect_text(message_id=f"M{n}"))
        client.post(tenant.instance.webhook_path, data=body, content_type="application/json")
    client.post(tenant.instance.webhook_path, data=b"[1]", content_type="application/json")
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    errors = client.get("/api/v1/instance/diagnostics", {"errors_only": "true"},
                        headers=headers).json()["items"]
    assert [e["outcome"] for e in errors] == ["not_an_object"]
    first = client.get("/api/v1/instance/diagnostics", {"limit": 2}, headers=headers).json()
    rest = client.get("/api/v1/instance/diagnostics", {"limit": 2, "before": first["next_before"]},
                      headers=headers).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    assert all(tenant.instance.webhook_token not in e["path"] for e in first["items"])


def test_instance_endpoint_shows_state_and_is_scoped(make_tenant):
    ours, theirs = make_tenant(name="A"), make_tenant(name="B")
    client = Client()
    mine = client.get("/api/v1/instance", headers={"Authorization": f"Bearer {ours.api_key}"})
    assert mine.json()["id"] == str(ours.instance.pk)
    assert mine.json()["state"] == "disconnected"
    other = client.get("/api/v1/instance", headers={"Authorization": f"Bearer {theirs.api_key}"})
    assert other.json()["id"] == str(theirs.instance.pk)
    assert ours.instance.webhook_token not in other.content.decode()


def test_retention_keeps_the_newest_entries(make_tenant):
    instance = make_tenant().instance
    DiagnosticEntry.objects.bulk_create([
        DiagnosticEntry(org_id=instance.org_id, instance=instance, direction="out", method="GET",
                        path=f"/p/{n}", outcome="ok") for n in range(10)])
    assert prune(instance, keep=4, max_age_days=30) == 6
    kept = DiagnosticEntry.objects.order_by("id").values_list("path", flat=True)
    assert list(kept) == ["/p/6", "/p/7", "/p/8", "/p/9"]
