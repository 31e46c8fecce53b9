"""Settings › IA through Django's test client: the provider, a write-only key, the budget."""

import pytest

from ponte.accounts.crypto import decrypt
from ponte.accounts.models import Role
from ponte.ai.choice import take_call
from ponte.ai.models import AISettings
from ponte.diagnostics.models import DiagnosticEntry
from ponte.web.test_settings_privacy import add_member, notices, owner_of, section

pytestmark = pytest.mark.django_db

PAGE = "/settings/ai/"
SAVE = "/settings/ai/save/"
TEST = "/settings/ai/test/"
KEY = "AIzaSyD-teste-0123456789-abcdefWXYZ"
FORM = {"provider": "gemini", "model": "", "base_url": "", "style_note": "",
        "daily_budget": "500"}


def test_an_admin_opens_the_page_and_sees_the_offline_default_and_todays_usage(make_tenant):
    tenant = make_tenant()
    admin = add_member(tenant, Role.ADMIN)
    response = admin.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert 'value="offline" checked' in page
    assert "0 de 500 chamadas hoje" in page
    assert "Nenhuma chamada ao provedor externo ainda." in page
    assert f'href="{PAGE}"' in admin.get("/settings/privacy/").content.decode()


def test_an_agent_can_neither_open_nor_change_the_settings(make_tenant):
    tenant = make_tenant()
    agent = add_member(tenant, Role.AGENT)
    assert agent.get(PAGE).status_code == 403
    assert agent.post(SAVE, {**FORM, "api_key": KEY}).status_code == 403
    assert not AISettings.objects.filter(org=tenant.org, provider="gemini").exists()


def test_a_saved_key_is_stored_encrypted_and_never_shown_again(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    response = owner.post(SAVE, {**FORM, "api_key": f"  {KEY} "}, follow=True)
    assert "Configurações da IA salvas." in notices(response)
    ai = AISettings.objects.get(org=tenant.org)
    assert ai.provider == "gemini" and ai.api_key != KEY and KEY not in ai.api_key
    assert decrypt(ai.api_key) == KEY
    page = response.content.decode()
    assert KEY not in page and KEY[:-4] not in page
    assert "Chave salva, terminando em …WXYZ" in page
    assert 'id="remove-key-form"' in page

    owner.post(SAVE, {**FORM, "api_key": "", "daily_budget": "20"})
    ai.refresh_from_db()
    assert decrypt(ai.api_key) == KEY and ai.daily_budget == 20, "a blank field keeps the key"


def test_a_short_keys_end_is_not_shown(make_tenant):
    tenant = make_tenant()
    page = owner_of(tenant).post(SAVE, {**FORM, "provider": "openai",
                                        "base_url": "http://localhost:11434/v1",
                                        "api_key": "segredo-k7q2"}, follow=True).content.decode()
    assert "Chave salva. Ela não é mostrada de novo." in page and "k7q2" not in page


def test_removing_the_key_forgets_it_and_the_page_says_one_is_needed(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    owner.post(SAVE, {**FORM, "api_key": KEY})
    response = owner.post(SAVE, {"remove_key": "1"}, follow=True)
    ai = AISettings.objects.get(org=tenant.org)
    assert (ai.api_key, ai.api_key_hint, ai.provider) == ("", "", "gemini")
    page = response.content.decode()
    assert "Chave removida." in notices(response)
    assert "Nenhuma chave salva." in page and 'id="missing-key"' in page


@pytest.mark.parametrize("url", ["ftp://ollama:11434", "localhost:11434", "http://",
                                 "http://ollama:porta/v1", "http://exemplo.com/v1?x=1",
                                 "javascript:alert(1)"])
def test_an_invalid_server_address_is_refused_in_portuguese(make_tenant, url):
    tenant = make_tenant()
    response = owner_of(tenant).post(SAVE, {**FORM, "provider": "openai", "base_url": url,
                                            "api_key": KEY})
    assert response.status_code == 422
    page = section(response.content.decode(), "provider")
    assert "Endereço inválido: use http:// ou https://" in page
    assert 'id="ai-base-url"' in page and 'aria-invalid="true" aria-describedby="ai-error"' in page
    assert KEY not in page, "the typed key is not echoed back"
    ai = AISettings.objects.filter(org=tenant.org).first()
    assert ai is None or (ai.provider, ai.api_key) == ("offline", "")


@pytest.mark.parametrize(("field", "value", "said"), [
    ("daily_budget", "-1", "O limite diário é um número de chamadas de 0 a 100.000"),
    ("daily_budget", "muitas", "O limite diário é um número de chamadas de 0 a 100.000"),
    ("style_note", "x" * 501, "no máximo 500 caracteres"),
    ("provider", "claude", "Escolha um provedor da lista"),
    ("model", "gpt 4o", "Nome de modelo inválido"),
])
def test_other_invalid_values_are_refused_with_the_reason(make_tenant, field, value, said):
    tenant = make_tenant()
    response = owner_of(tenant).post(SAVE, {**FORM, field: value})
    assert response.status_code == 422 and said in response.content.decode()


def test_a_hostile_style_note_is_shown_as_text(make_tenant):
    tenant = make_tenant()
    hostile = '</textarea><script>alert("x")</script><img src=x onerror=alert(1)>'
    page = owner_of(tenant).post(SAVE, {**FORM, "style_note": hostile},
                                 follow=True).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert AISettings.objects.get(org=tenant.org).style_note == hostile


def test_todays_usage_and_the_call_log_show_on_the_page(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    owner.post(SAVE, {**FORM, "api_key": KEY, "daily_budget": "3"})
    for _ in range(2):
        take_call(tenant.org.pk)
    DiagnosticEntry.objects.create(
        org=tenant.org, instance=None, direction="out", method="POST",
        path="gemini /v1beta/models/gemini-2.5-flash:generateContent", status_code=429,
        latency_ms=120.0, outcome="rate_limited", error="limite do provedor")
    page = owner.get(PAGE).content.decode()
    assert "2 de 3 chamadas hoje" in page
    log = section(page, "ai-log")
    assert "POST gemini /v1beta/models/gemini-2.5-flash:generateContent" in log
    assert "limite de uso do provedor atingido; usado o modelo offline" in log
    assert "120 ms" in log and "limite do provedor" in log


def test_another_organizations_settings_and_calls_stay_out_of_sight(make_tenant):
    mine, theirs = make_tenant(), make_tenant(name="Outra")
    owner_of(theirs).post(SAVE, {**FORM, "style_note": "tom da outra loja"})
    DiagnosticEntry.objects.create(org=theirs.org, instance=None, direction="out",
                                   method="POST", path="openai /v1/chat/completions",
                                   outcome="ok")
    page = owner_of(mine).get(PAGE).content.decode()
    assert "tom da outra loja" not in page and "/v1/chat/completions" not in page
    assert 'value="offline" checked' in page


def test_testing_the_connection_is_queued_and_its_result_shown_on_reload(make_tenant):
    from emulators.gemini import Emulator as Gemini
    from ponte.ai.choice import run_asked_tests

    tenant = make_tenant()
    owner = owner_of(tenant)
    with Gemini(keys=["test-key"]) as gemini:
        owner.post(SAVE, {**FORM, "base_url": gemini.base_url, "api_key": "test-key"})
        page = owner.post(TEST, follow=True).content.decode()
        assert "Teste na fila" in section(page, "test")
        assert gemini.requests == [], "nothing is called from the web request"

        assert run_asked_tests() == 1 and len(gemini.requests) == 1
        assert run_asked_tests() == 0, "a test runs once"
        page = owner.get(PAGE).content.decode()
        assert "Conexão funcionando: o provedor respondeu em" in section(page, "test")
        assert "1 de 500 chamadas hoje" in page
        assert "POST gemini /v1beta/models/gemini-2.5-flash:generateContent" in page

        owner.post(SAVE, {**FORM, "base_url": gemini.base_url, "api_key": "AIza-errada-000"})
        page = owner.get(PAGE).content.decode()
        assert "Nenhum teste feito com estas configurações." in section(page, "test")
        owner.post(TEST)
        run_asked_tests()
        result = section(owner.get(PAGE).content.decode(), "test")
        assert "O teste falhou:" in result and "recusou a chave" in result
        assert "AIza-errada" not in result


def test_there_is_no_connection_to_test_offline(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    response = owner.post(TEST, follow=True)
    assert "não há conexão para testar" in notices(response)
    assert 'id="test"' not in response.content.decode()
    assert not AISettings.objects.filter(org=tenant.org, test_asked_at__isnull=False).exists()
    assert add_member(tenant, Role.AGENT).post(TEST).status_code == 403


# -- Transcrição de áudio -------------------------------------------------------------------

TRANSCRIPTION = {"transcription_provider": "openai", "transcription_model": "",
                 "transcription_base_url": "https://api.groq.com/openai/v1",
                 "transcription_language": "pt"}


def test_transcription_is_off_until_the_owner_chooses_and_the_page_says_what_leaves(
        make_tenant):
    owner = owner_of(make_tenant())
    shown = section(owner.get(PAGE).content.decode(), "transcription")
    assert "Transcrição de áudio" in shown
    assert 'name="transcription_provider" value="none" checked' in shown
    assert "Desligada, nenhum áudio sai do Ponte." in shown
    assert "Últimas 24 horas: 0 transcritos, 0 na fila, 0 com falha." in shown


def test_a_transcription_key_is_saved_encrypted_and_shown_only_by_its_end(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    key = "gsk_teste0123456789abcdefWXYZ"
    response = owner.post(SAVE, {**TRANSCRIPTION, "transcription_api_key": key}, follow=True)
    assert "Configurações da IA salvas." in notices(response)
    ai = AISettings.objects.get(org=tenant.org)
    assert decrypt(ai.transcription_api_key) == key and ai.provider == "offline"
    shown = section(response.content.decode(), "transcription")
    assert key not in response.content.decode()
    assert "Chave salva, terminando em …WXYZ" in shown
    assert 'name="transcription_provider" value="openai" checked' in shown
    response = owner.post(SAVE, {"remove_transcription_key": "1"}, follow=True)
    assert "Chave removida." in notices(response)
    assert AISettings.objects.get(org=tenant.org).transcription_api_key == ""


def test_the_page_says_when_transcription_borrows_the_scoring_key(make_tenant):
    owner = owner_of(make_tenant())
    owner.post(SAVE, {**FORM, "api_key": KEY})
    response = owner.post(SAVE, {"transcription_provider": "gemini"}, follow=True)
    shown = section(response.content.decode(), "transcription")
    assert "usa a chave salva acima, porque é o mesmo provedor no mesmo endereço" in shown
    assert 'id="transcription-missing-key"' not in shown
    response = owner.post(SAVE, {"transcription_provider": "openai",
                                 "transcription_base_url": ""}, follow=True)
    shown = section(response.content.decode(), "transcription")
    assert "uma chave nunca vai para outro servidor" in shown
    assert "precisa de uma chave de API" in shown


def test_a_bad_transcription_setting_is_shown_in_its_own_section(make_tenant):
    owner = owner_of(make_tenant())
    response = owner.post(SAVE, {**TRANSCRIPTION, "transcription_language": "pt_BR"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="transcription-error"' in section(page, "transcription")
    assert 'id="ai-error"' not in page
    assert 'value="pt_BR"' in page


def test_local_transcription_on_a_server_without_a_model_says_what_the_operator_must_do(
        make_tenant, settings):
    settings.PONTE_WHISPER_MODEL_DIR = ""
    owner = owner_of(make_tenant())
    response = owner.post(SAVE, {"transcription_provider": "local"}, follow=True)
    shown = section(response.content.decode(), "transcription")
    assert 'id="local-problem"' in shown and "PONTE_WHISPER_MODEL_DIR" in shown


def test_the_log_explains_a_transcription_failure_as_a_wait_not_an_offline_answer(make_tenant):
    tenant = make_tenant()
    DiagnosticEntry.objects.create(org=tenant.org, instance=None, direction="out",
                                   method="POST", path="openai-audio /v1/audio/transcriptions",
                                   status_code=503, outcome="http_error")
    shown = section(owner_of(tenant).get(PAGE).content.decode(), "ai-log")
    assert "erro do provedor; a transcrição será tentada de novo" in shown
    assert "usado o modelo offline" not in shown
