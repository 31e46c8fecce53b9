"""Odd numbers and invalid text sent to the API get a 4xx with a reason, never a 500."""

import pytest
from django.test import Client

from ponte.conversations.models import Message

pytestmark = pytest.mark.django_db

ODD_NUMBERS = ["²", "١٢", "9" * 50, "9" * 5000, "-1", "1.5", "\x00"]


def api(client: Client, tenant, method: str, path: str, **kwargs):
    return getattr(client, method)(path, headers={"Authorization": f"Bearer {tenant.api_key}"},
                                   **kwargs)


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_in_any_api_parameter_get_a_4xx_or_are_ignored(make_tenant, value):
    tenant = make_tenant()
    client = Client(raise_request_exception=False)
    query = {"before": value, "limit": value, "outcome": value, "errors_only": value}
    for path in ["/api/v1/conversations", "/api/v1/conversations/1/messages",
                 "/api/v1/instance/diagnostics", "/api/v1/instance", "/api/v1/hidden-numbers",
                 "/api/v1/privacy-records"]:
        for params in (query, {"before": value}):
            response = api(client, tenant, "get", path, data=params)
            assert response.status_code < 500, (path, params)
            assert response.status_code == 200 or response.json()["error"]
    if value.isascii() and value.isdigit():
        for path in [f"/api/v1/messages/{value}", f"/api/v1/conversations/{value}/messages",
                     f"/api/v1/hidden-numbers/{value}", f"/api/v1/privacy-records/{value}"]:
            assert api(client, tenant, "get", path).status_code in (404, 422)


@pytest.mark.parametrize("text", ["a\\ud800b", "\\udfff", "oi\\u0000"])
def test_a_text_with_a_lone_surrogate_or_nul_is_refused_with_a_reason(make_tenant, text):
    tenant = make_tenant()
    body = '{"to": "+5531987654321", "text": "TEXT"}'.replace("TEXT", text)

    response = api(Client(raise_request_exception=False), tenant, "post", "/api/v1/messages",
                   data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_text"
    assert "surrogate" in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_nul_in_a_key_or_a_filter_is_a_401_or_finds_nothing(make_tenant):
    tenant = make_tenant()
    client = Client(raise_request_exception=False)

    forged = client.get("/api/v1/conversations", headers={"Authorization": "Bearer pk_\x00.\x00"})
    filtered = api(client, tenant, "get", "/api/v1/instance/diagnostics",
                   data={"outcome": "ok\x00"})

    assert forged.status_code == 401
    assert filtered.status_code == 200 and filtered.json()["items"] == []
