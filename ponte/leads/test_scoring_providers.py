"""Scoring goes through the organization's provider, and one lead's failure stops no other."""

from datetime import timedelta

import pytest

from ponte.ai.models import AISettings
from ponte.ai.services import do_update_ai_settings
from ponte.diagnostics.models import DiagnosticEntry
from ponte.leads import services
from ponte.leads.models import Lead
from ponte.leads.test_scoring import customer, receive, score_due

pytestmark = pytest.mark.django_db(transaction=True)

LATER = timedelta(minutes=1)


def test_a_shop_whose_saved_key_cannot_be_read_still_gets_its_leads_scored(make_tenant):
    tenant = make_tenant()
    do_update_ai_settings(tenant.org.pk, {"provider": "gemini", "api_key": "k" * 39})
    AISettings.objects.filter(org=tenant.org).update(api_key="not-a-fernet-token")
    receive(tenant, customer("Quanto custa? Aceita pix? Quero levar hoje", "M1"))
    assert score_due() == 1
    assert Lead.objects.get().score is not None
    assert DiagnosticEntry.objects.filter(org=tenant.org, instance=None,
                                          outcome="key_unreadable").exists()


def test_one_leads_unexpected_failure_is_retried_later_and_the_others_are_scored(
        make_tenant, monkeypatch, caplog):
    broken, fine = make_tenant(), make_tenant(name="Outra")
    real = services.provider_for

    def provider_for(org_id):  # a fault injected in one organization only
        if org_id == broken.org.pk:
            raise RuntimeError("provider exploded")
        return real(org_id)

    monkeypatch.setattr(services, "provider_for", provider_for)
    receive(broken, customer("Quanto custa?", "B1"))
    receive(fine, customer("Quanto custa?", "F1", phone="5521998765432"))
    assert score_due() == 1
    assert Lead.objects.get(org=fine.org).score is not None
    stuck = Lead.objects.get(org=broken.org)
    assert stuck.score is None and stuck.score_due_at is not None
    assert "scoring lead" in caplog.text and "provider exploded" in caplog.text
    monkeypatch.setattr(services, "provider_for", real)
    assert score_due(after=LATER) == 0, "not again at once"
    assert score_due(after=LATER + services.RETRY_AFTER) == 1, "but a minute later"
    assert Lead.objects.get(org=broken.org).score is not None


def test_the_lead_worker_runs_the_connection_tests_owners_asked_for(make_tenant):
    from emulators.openai_api import Emulator as OpenAI
    from ponte.ai.services import do_ask_for_test
    from ponte.leads.worker import LeadScoring

    tenant = make_tenant()
    with OpenAI(keys=None) as server:  # a local server that checks no key, like Ollama
        do_update_ai_settings(tenant.org.pk, {"provider": "openai",
                                              "base_url": server.base_url + "/v1"})
        do_ask_for_test(tenant.org.pk)
        LeadScoring().run_pass()
        assert len(server.requests) == 1
    assert AISettings.objects.get(org=tenant.org).test_outcome == "ok"
