"""AI settings through the REST API: the same checks as the page, the key write-only."""

import pytest
from django.test import Client

from ponte.accounts.crypto import decrypt
from ponte.ai.choice import take_call
from ponte.ai.models import AISettings
from ponte.api.test_privacy_api import Api
from ponte.diagnostics.models import DiagnosticEntry

pytestmark = pytest.mark.django_db

KEY = "sk-teste-0123456789abcdefghijKLMN"


def test_an_organization_starts_offline_with_the_default_budget(make_tenant):
    response = Api(make_tenant()).get("/settings/ai")
    assert response.status_code == 200
    assert response.json() == {
        "provider": "offline", "model": "", "default_model": None, "base_url": "",
        "api_key_set": False, "api_key_hint": "", "style_note": "", "daily_budget": 500,
        "calls_today": 0, "last_test": {"queued": False, "tested_at": None, "outcome": "",
                                        "detail": "", "latency_ms": None},
        "transcription_provider": "none", "transcription_model": "",
        "transcription_default_model": None, "transcription_base_url": "",
        "transcription_api_key_set": False, "transcription_api_key_hint": "",
        "transcription_uses_scoring_key": False, "transcription_language": "pt"}


def test_a_key_sent_once_is_stored_encrypted_and_never_returned(make_tenant):
    tenant = make_tenant()
    api = Api(tenant)
    response = api.patch("/settings/ai", {"provider": "openai", "api_key": KEY,
                                          "style_note": "Seja breve.", "daily_budget": 2})
    assert response.status_code == 200
    body = response.json()
    assert KEY not in response.content.decode()
    assert (body["provider"], body["default_model"], body["api_key_set"], body["api_key_hint"],
            body["daily_budget"]) == ("openai", "gpt-4o-mini", True, "KLMN", 2)
    stored = AISettings.objects.get(org=tenant.org).api_key
    assert stored != KEY and decrypt(stored) == KEY

    take_call(tenant.org.pk)
    after = api.patch("/settings/ai", {"model": "gpt-4.1-mini"}).json()
    assert (after["model"], after["api_key_set"], after["calls_today"]) == (
        "gpt-4.1-mini", True, 1)
    removed = api.patch("/settings/ai", {"remove_key": True}).json()
    assert (removed["api_key_set"], removed["api_key_hint"]) == (False, "")


@pytest.mark.parametrize(("body", "code"), [
    ({"base_url": "ftp://ollama:11434"}, "invalid_base_url"),
    ({"model": "gpt 4"}, "invalid_model"),
    ({"api_key": "chave com espaços"}, "invalid_api_key"),
])
def test_a_setting_that_cannot_be_stored_is_a_422_with_its_code(make_tenant, body, code):
    tenant = make_tenant()
    response = Api(tenant).patch("/settings/ai", body)
    assert response.status_code == 422
    assert response.json()["error"] == code and response.json()["detail"]
    assert not AISettings.objects.filter(org=tenant.org).exclude(provider="offline").exists()


@pytest.mark.parametrize("body", [{"provider": "claude"}, {"daily_budget": -1},
                                  {"style_note": "x" * 501}])
def test_an_invalid_field_is_a_422_listing_it(make_tenant, body):
    response = Api(make_tenant()).patch("/settings/ai", body)
    assert response.status_code == 422 and response.json()["error"] == "invalid"
    assert [e["field"] for e in response.json()["detail"]] == list(body)


def test_the_ai_call_log_lists_only_this_organizations_calls_newest_first(make_tenant):
    mine, theirs = make_tenant(), make_tenant(name="Outra")
    for n, org in enumerate((mine.org, theirs.org, mine.org)):
        DiagnosticEntry.objects.create(org=org, instance=None, direction="out", method="POST",
                                       path=f"gemini /v1beta/models/m{n}:generateContent",
                                       status_code=500, outcome="http_error")
    DiagnosticEntry.objects.create(org=mine.org, instance=mine.instance, direction="out",
                                   method="GET", path="/api/status", outcome="ok")
    response = Api(mine).get("/settings/ai/calls", {"limit": 1})
    first = response.json()
    assert [item["path"] for item in first["items"]] == [
        "gemini /v1beta/models/m2:generateContent"]
    second = Api(mine).get("/settings/ai/calls", {"before": first["next_before"]}).json()
    assert [item["path"] for item in second["items"]] == [
        "gemini /v1beta/models/m0:generateContent"]
    assert second["next_before"] is None


def test_the_settings_are_in_the_openapi_document():
    document = Client().get("/api/v1/openapi.json").json()
    operations = document["paths"]["/api/v1/settings/ai"]
    assert {"get", "patch"} <= set(operations)
    assert "api_key" not in document["components"]["schemas"]["AISettingsOut"]["properties"]
    assert "/api/v1/settings/ai/calls" in document["paths"]


def test_a_connection_test_is_queued_and_its_result_read_back(make_tenant):
    from emulators.gemini import Emulator as Gemini
    from ponte.ai.choice import run_asked_tests

    tenant = make_tenant()
    api = Api(tenant)
    assert api.post("/settings/ai/test", {}).status_code == 409, "offline: nothing to test"
    with Gemini(keys=["test-key"]) as gemini:
        api.patch("/settings/ai", {"provider": "gemini", "api_key": "test-key",
                                   "base_url": gemini.base_url})
        queued = api.post("/settings/ai/test", {})
        assert queued.status_code == 202 and queued.json()["last_test"]["queued"] is True
        assert gemini.requests == []
        run_asked_tests()
    test = api.get("/settings/ai").json()["last_test"]
    assert (test["queued"], test["outcome"], test["detail"]) == (False, "ok", "")
    assert test["latency_ms"] > 0 and test["tested_at"]


def test_transcription_is_chosen_with_a_write_only_key_of_its_own(make_tenant):
    tenant = make_tenant()
    api = Api(tenant)
    groq_key = "gsk_teste0123456789abcdefWXYZ"
    response = api.patch("/settings/ai", {
        "transcription_provider": "openai",
        "transcription_base_url": "https://api.groq.com/openai/v1",
        "transcription_model": "whisper-large-v3-turbo", "transcription_api_key": groq_key})
    assert response.status_code == 200 and groq_key not in response.content.decode()
    body = response.json()
    assert (body["transcription_provider"], body["transcription_default_model"],
            body["transcription_api_key_set"], body["transcription_api_key_hint"],
            body["transcription_uses_scoring_key"], body["transcription_language"]) == (
        "openai", "whisper-1", True, "WXYZ", False, "pt")
    ai = AISettings.objects.get(org=tenant.org)
    assert decrypt(ai.transcription_api_key) == groq_key and ai.api_key == ""
    removed = api.patch("/settings/ai", {"remove_transcription_key": True,
                                         "transcription_language": ""}).json()
    assert (removed["transcription_api_key_set"], removed["transcription_language"]) == (
        False, "")


def test_transcription_says_when_it_uses_the_scoring_key(make_tenant):
    api = Api(make_tenant())
    body = api.patch("/settings/ai", {"provider": "gemini", "api_key": KEY,
                                      "transcription_provider": "gemini"}).json()
    assert body["transcription_uses_scoring_key"] is True
    body = api.patch("/settings/ai", {"transcription_base_url": "https://proxy.example/"})
    assert body.json()["transcription_uses_scoring_key"] is False


@pytest.mark.parametrize(("body", "code"), [
    ({"transcription_base_url": "ftp://groq"}, "invalid_transcription_base_url"),
    ({"transcription_model": "whisper 1"}, "invalid_transcription_model"),
    ({"transcription_language": "pt_BR"}, "invalid_transcription_language"),
    ({"transcription_api_key": "a b"}, "invalid_transcription_api_key"),
])
def test_a_bad_transcription_setting_is_a_422_in_portuguese(make_tenant, body, code):
    response = Api(make_tenant()).patch("/settings/ai", body)
    assert response.status_code == 422
    assert response.json()["error"] == code and response.json()["detail"]


def test_an_unknown_transcriber_is_refused_by_the_schema(make_tenant):
    response = Api(make_tenant()).patch("/settings/ai", {"transcription_provider": "whisperx"})
    assert response.status_code == 422 and response.json()["error"] == "invalid"


def test_the_transcription_fields_are_in_the_openapi_document(make_tenant):
    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "transcription_api_key" not in schemas["AISettingsOut"]["properties"]
    assert {"transcription_provider", "transcription_api_key_set",
            "transcription_uses_scoring_key"} <= set(schemas["AISettingsOut"]["properties"])
    assert {"transcription_api_key", "remove_transcription_key",
            "transcription_language"} <= set(schemas["AISettingsIn"]["properties"])
