"""The desk's reports through the REST API: the same figures as the page, in seconds."""

import pytest
from django.test import Client

from ponte.api.test_privacy_api import Api
from ponte.desk.test_reports import week  # noqa: F401 (the seeded week of chats)

pytestmark = pytest.mark.django_db
MIN = 60


def test_the_summary_of_a_week(week):  # noqa: F811
    response = Api(week.tenant).get("/reports/summary", {"from": "2026-11-09",
                                                         "to": "2026-11-15"})
    assert response.status_code == 200, response.content
    found = response.json()
    assert (found["from_date"], found["to_date"]) == ("2026-11-09", "2026-11-15")
    assert found["time_zone"] == "America/Sao_Paulo"
    assert found["openings"] == 5
    assert found["first_response"] == {"answered": 4, "median_seconds": 20 * MIN,
                                       "p90_seconds": pytest.approx(555 * MIN)}
    assert found["resolution"]["resolved"] == 3
    assert found["resolution"]["median_seconds"] == 60 * MIN
    assert found["conversations_by_status"] == {"open": 2, "pending": 0, "snoozed": 0,
                                                "resolved": 2}
    assert found["customer_messages"] == 7 == sum(found["customer_messages_by_hour"])
    assert found["customer_messages_by_weekday"] == [3, 1, 1, 1, 0, 1, 0]
    bia = next(a for a in found["attendants"] if a["name"] == "Bia Souza")
    assert bia == {"user_id": week.bia.pk, "name": "Bia Souza", "assigned": 3,
                   "messages_sent": 4, "first_responses": 3,
                   "first_response_median_seconds": 10 * MIN}


def test_without_dates_it_reads_the_last_seven_days(make_tenant):
    found = Api(make_tenant()).get("/reports/summary").json()
    assert found["openings"] == 0 and found["first_response"]["median_seconds"] is None
    assert len(found["customer_messages_by_hour"]) == 24


@pytest.mark.parametrize("params,code", [
    ({"from": "2026-11-15", "to": "2026-11-09"}, "period_backwards"),
    ({"from": "2024-01-01", "to": "2026-11-09"}, "period_too_long"),
    ({"from": "amanhã", "to": "2026-11-09"}, "invalid_date"),
    ({"from": "2026-11-09"}, "invalid_date"),
])
def test_a_bad_period_is_a_400_that_says_why(make_tenant, params, code):
    response = Api(make_tenant()).get("/reports/summary", params)
    assert response.status_code == 400
    assert response.json()["error"] == code and response.json()["detail"]


def test_without_a_key_it_is_a_401(make_tenant):
    make_tenant()
    assert Client().get("/api/v1/reports/summary").status_code == 401


def test_the_summary_is_in_the_openapi_document():
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/reports/summary"]["get"]
    assert {"from", "to"} == {p["name"] for p in operation["parameters"]}
    assert {"200", "400", "401"} <= set(operation["responses"])
    assert "first_response" in document["components"]["schemas"]["ReportSummaryOut"][
        "properties"]
