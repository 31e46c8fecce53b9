"""The ERP endpoints: upserts by the ERP's ids, per-item bulk results, phones in any form."""

import json
from urllib.parse import quote

import pytest
from django.test import Client

from ponte.erp.models import Customer, Sale

pytestmark = pytest.mark.django_db

MARIA = {"name": "Maria Souza", "phones": ["31 8765-4321"], "email": "maria@example.com",
         "birthday": "1990-04-01", "cashback_balance": "45.90",
         "cashback_expires_on": "2026-12-10", "notes": "Prefere azul",
         "marketing_opt_out": False}


class Api:
    def __init__(self, tenant) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {tenant.api_key}"}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def put(self, path: str, body):
        return self.client.put(f"/api/v1{path}", data=json.dumps(body),
                               content_type="application/json", headers=self.headers)

    def post(self, path: str, body):
        return self.client.post(f"/api/v1{path}", data=json.dumps(body),
                                content_type="application/json", headers=self.headers)


@pytest.fixture
def api(make_tenant):
    return Api(make_tenant())


def test_put_creates_then_the_same_body_is_unchanged_and_a_change_updates(api):
    first = api.put("/customers/C1", MARIA)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["outcome"] == "created"
    assert body["phones"] == ["+5531987654321"] and body["written"] == ["31 8765-4321"]
    assert body["cashback_balance"] == "45.90" and body["birthday"] == "1990-04-01"
    again = api.put("/customers/C1", MARIA)
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    changed = api.put("/customers/C1", {**MARIA, "cashback_balance": "10.00"})
    assert (changed.status_code, changed.json()["outcome"]) == (200, "updated")
    assert api.get("/customers/C1").json()["cashback_balance"] == "10.00"


def test_put_without_optional_fields_empties_them(api):
    api.put("/customers/C1", MARIA)
    body = api.put("/customers/C1", {"name": "Maria Souza"}).json()
    assert body["phones"] == [] and body["notes"] == "" and body["cashback_balance"] == "0.00"


def test_a_float_or_a_bad_phone_is_a_422_naming_the_field_in_portuguese(api):
    response = api.put("/customers/C1", {**MARIA, "cashback_balance": 45.9,
                                         "phones": ["31 8765-4321", "telefone"]})
    assert response.status_code == 422
    answer = response.json()
    assert answer["error"] == "invalid"
    by_field = {e["field"]: e["message"] for e in answer["detail"]}
    assert 'use texto, como "45.90"' in by_field["cashback_balance"]
    assert '"telefone" não é um número de telefone válido' in by_field["phones"]
    assert not Customer.objects.exists()


def test_list_filters_by_phone_in_any_form_and_returns_every_holder(api):
    api.put("/customers/C1", MARIA)
    api.put("/customers/C2", {"name": "João Souza", "phones": ["(31) 98765-4321"]})
    api.put("/customers/C3", {"name": "Outra", "phones": ["(11) 91234-5678"]})
    for phone in ("(31) 98765-4321", "31 8765-4321", "553187654321@c.us", "+55 31 9 8765 4321"):
        found = api.get("/customers", {"phone": phone}).json()["items"]
        assert sorted(c["external_id"] for c in found) == ["C1", "C2"], phone
    bad = api.get("/customers", {"phone": "abc"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_phone"


def test_customers_and_sales_pages_follow_next_before_to_the_end(api):
    api.post("/customers/bulk", {"items": [{"external_id": f"C{n}", "name": f"Cliente {n}"}
                                           for n in range(7)]})
    api.post("/sales/bulk", {"items": [
        {"external_id": f"V{n}", "customer_external_id": "C1", "date": "2026-03-10",
         "total": f"{n}.00"} for n in range(7)]})
    for path in ("/customers", "/sales"):
        seen, before = [], None
        while True:
            params = {"limit": 3, **({"before": before} if before else {})}
            answer = api.get(path, params).json()
            seen += [item["external_id"] for item in answer["items"]]
            before = answer["next_before"]
            if before is None:
                break
        assert len(seen) == len(set(seen)) == 7, path


def test_bulk_answers_per_item_and_a_bad_item_never_stops_the_good_ones(api):
    items = [{"external_id": "C1", **MARIA},
             {"external_id": "C2", "name": "Sem telefone válido", "phones": ["123"]},
             {"external_id": "C3", "name": "Dinheiro", "cashback_balance": "1,5"},
             {"external_id": "C4", "name": "Boa"}]
    answer = api.post("/customers/bulk", {"items": items}).json()
    assert [r["outcome"] for r in answer["results"]] == ["created", "rejected", "rejected",
                                                         "created"]
    assert answer["results"][1]["errors"][0]["field"] == "phones"
    assert "123" in answer["results"][1]["errors"][0]["detail"]
    assert (answer["created"], answer["rejected"]) == (2, 2)
    again = api.post("/customers/bulk", {"items": items}).json()
    assert (again["unchanged"], again["created"], again["updated"]) == (2, 0, 0)


def test_bulk_over_ten_thousand_items_is_refused_clearly(api):
    items = [{"external_id": f"C{n}", "name": "x"} for n in range(10_001)]
    response = api.post("/customers/bulk", {"items": items})
    assert response.status_code == 413
    assert response.json()["error"] == "too_many_items"
    assert "10.000" in response.json()["detail"]
    assert not Customer.objects.exists()


def test_sale_before_its_customer_is_linked_and_found_by_phone(api):
    sale = {"customer_external_id": "C1", "date": "2026-03-10T15:30:00-03:00",
            "total": "199.90", "items": "Vestido azul", "store": "Centro", "status": "pago"}
    created = api.put("/sales/V1", sale)
    assert created.status_code == 201 and created.json()["customer_linked"] is False
    api.put("/customers/C1", MARIA)
    body = api.get("/sales/V1").json()
    assert body["customer_linked"] is True and body["total"] == "199.90"
    assert api.put("/sales/V1", sale).json()["outcome"] == "unchanged"
    by_phone = api.get("/sales", {"phone": "(31) 98765-4321"}).json()["items"]
    by_customer = api.get("/sales", {"customer_external_id": "C1"}).json()["items"]
    assert [s["external_id"] for s in by_phone] == [s["external_id"] for s in by_customer] == [
        "V1"]
    assert api.put("/sales/V2", {**sale, "total": 199.9}).status_code == 422


def test_another_organizations_records_are_invisible(api, make_tenant):
    api.put("/customers/C1", MARIA)
    api.put("/sales/V1", {"customer_external_id": "C1", "date": "2026-03-10", "total": "1.00"})
    other = Api(make_tenant(name="Outra loja"))
    assert other.get("/customers/C1").status_code == 404
    assert other.get("/sales/V1").status_code == 404
    assert other.get("/customers").json()["items"] == []
    assert other.get("/sales", {"phone": "31 98765-4321"}).json()["items"] == []
    assert other.put("/customers/C1", {"name": "Dela"}).status_code == 201
    assert Customer.objects.get(org__name="Loja", external_id="C1").name == "Maria Souza"


def test_hostile_ids_and_text_round_trip_as_text(api):
    hostile = "<img src=x onerror=alert(1)>'\"; DROP TABLE erp_sale;--"
    external_id = "a/b?c#d<é>"
    response = api.put(f"/customers/{quote(external_id, safe='')}",
                       {"name": hostile, "notes": hostile})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == hostile
    assert Customer.objects.get().external_id == external_id
    assert api.put("/customers/x", {"name": "nul\x00"}).status_code == 422


def test_unknown_customer_is_a_404_in_portuguese(api):
    response = api.get("/customers/nao-existe")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found",
                               "detail": "Nenhum cliente com este external_id."}


def test_the_erp_endpoints_are_in_the_openapi_document():
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path, method in (("/api/v1/customers/{external_id}", "put"),
                         ("/api/v1/customers/{external_id}", "get"),
                         ("/api/v1/customers", "get"), ("/api/v1/customers/bulk", "post"),
                         ("/api/v1/sales/{external_id}", "put"), ("/api/v1/sales", "get"),
                         ("/api/v1/sales/bulk", "post")):
        assert paths[path][method]["description"], (method, path)
    schemas = document["components"]["schemas"]
    assert schemas["CustomerIn"]["properties"]["cashback_balance"]["type"] == "string"
    assert "phone" in {p["name"] for p in paths["/api/v1/sales"]["get"]["parameters"]}
    assert "413" in paths["/api/v1/customers/bulk"]["post"]["responses"]


def test_lgpd_export_through_the_api_includes_erp_records(api):
    api.put("/customers/C1", MARIA)
    api.put("/sales/V1", {"customer_external_id": "C1", "date": "2026-03-10", "total": "9.90"})
    export = api.get("/people/+5531987654321/export").json()
    assert export["erp_customers"][0]["cashback_balance"] == "45.90"
    assert export["erp_sales"][0]["total"] == "9.90"
    assert Sale.objects.count() == 1
