"""Settings › WhatsApp through Django's test client, against the WPPConnect emulator."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from emulators.wppconnect import Emulator
from ponte.accounts.models import Instance, Member, Role
from ponte.diagnostics.models import DiagnosticEntry

pytestmark = pytest.mark.django_db
SECRET = "settings-secret-0001"
PAGE = "/settings/whatsapp/"
QR = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4"
      "DwABBAEAwS2OUAAAAABJRU5ErkJggg==")


def url(name: str, instance: Instance) -> str:
    return reverse(name, args=[instance.pk])


def add_member(tenant, role: str) -> tuple[str, str]:
    email = f"{role}-{tenant.org.id.hex[:6]}@ponte.local"
    user = get_user_model().objects.create_user(username=email, email=email, password="pw-12345")
    Member.objects.create(org=tenant.org, user=user, role=role)
    return email, "pw-12345"


@pytest.fixture
def engine():
    emulator = Emulator(secrets=[SECRET]).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def shop(make_tenant, engine, client):
    tenant = make_tenant(engine_url=engine.base_url, secrets_list=[SECRET])
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def test_anonymous_visitor_is_sent_to_sign_in(make_tenant, client):
    tenant = make_tenant()
    for path in (PAGE, url("settings_whatsapp_status", tenant.instance)):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_agent_gets_403_on_the_page_and_every_action(make_tenant, engine, client):
    tenant = make_tenant(engine_url=engine.base_url, secrets_list=[SECRET])
    email, password = add_member(tenant, Role.AGENT)
    client.login(username=email, password=password)
    assert client.get(PAGE).status_code == 403
    assert client.get(url("settings_whatsapp_status", tenant.instance)).status_code == 403
    for name in ("settings_whatsapp_reset", "settings_whatsapp_reconnect",
                 "settings_whatsapp_rotate"):
        assert client.post(url(name, tenant.instance)).status_code == 403
    assert engine.requests == [], "an agent reached the engine"
    assert "Configurações" not in client.get("/").content.decode()


def test_an_admin_sees_the_webhook_url_with_its_token_and_no_other_secret(make_tenant, client):
    tenant = make_tenant(engine_url="http://127.0.0.1:9", secrets_list=[SECRET])
    email, password = add_member(tenant, Role.ADMIN)
    client.login(username=email, password=password)
    response = client.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"/webhooks/{tenant.instance.pk}/{tenant.instance.webhook_token}" in page
    assert SECRET not in page and tenant.api_key not in page
    assert "no-store" in response["Cache-Control"]


def test_the_qr_code_shows_and_refreshes_fast_while_waiting_for_a_scan(shop, client):
    Instance.objects.filter(pk=shop.instance.pk).update(state="qrcode", qr=QR)
    page = client.get(PAGE).content.decode()
    assert 'class="state qrcode"' in page and f'src="{QR}"' in page
    assert 'hx-trigger="every 2s' in page

    Instance.objects.filter(pk=shop.instance.pk).update(state="connected", qr="")
    status = client.get(url("settings_whatsapp_status", shop.instance)).content.decode()
    assert 'class="state connected"' in status and "<img" not in status
    assert 'hx-trigger="every 15s' in status


def test_bare_base64_qr_codes_become_data_urls(shop, client):
    Instance.objects.filter(pk=shop.instance.pk).update(state="qrcode", qr="iVBORw0KGgo")
    status = client.get(url("settings_whatsapp_status", shop.instance)).content.decode()
    assert 'src="data:image/png;base64,iVBORw0KGgo"' in status


def test_last_error_success_and_reconnect_attempts_are_shown(shop, client):
    Instance.objects.filter(pk=shop.instance.pk).update(
        last_error="engine unreachable: connection refused", reconnect_attempts=2)
    page = client.get(PAGE).content.decode()
    assert "engine unreachable: connection refused" in page
    assert "2 / 3" in page


def last_error_shown(client, instance: Instance, **headers) -> str:
    status = client.get(url("settings_whatsapp_status", instance), **headers).content.decode()
    shown = status[status.index('class="last-error'):]
    return shown[:shown.index("</dd>")]


def test_last_error_says_what_happened_and_what_to_do_in_the_page_language(shop, client):
    Instance.objects.filter(pk=shop.instance.pk).update(
        last_error="generate token: the engine refused the secret", last_error_kind="auth",
        last_error_at=timezone.now())
    shown = last_error_shown(client, shop.instance)
    assert "O motor recusou a chave configurada" in shown and "reset total" in shown
    visible = shown.split("<details")[0]
    assert "refused" not in visible, "the engine's English only behind 'Detalhe técnico'"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = last_error_shown(client, shop.instance)
    assert "The engine refused the configured key" in english


def test_an_error_resolved_by_recovery_no_longer_shows_as_current(shop, client):
    Instance.objects.filter(pk=shop.instance.pk).update(
        last_error="generate token: the engine refused the secret", last_error_kind="auth",
        last_error_at=timezone.now() - timedelta(minutes=5), state="connected",
        last_error_resolved_at=timezone.now())
    shown = last_error_shown(client, shop.instance)
    assert "resolved" in shown.split(">")[0]
    assert "Nenhum erro agora. O último foi resolvido em" in shown
    assert 'class="error-now"' not in shown


def test_diagnostic_log_lists_newest_first_and_filters_errors(shop, client):
    def entry(path: str, outcome: str, status: int, error: str = "") -> None:
        DiagnosticEntry.objects.create(org=shop.org, instance=shop.instance, direction="out",
                                       method="GET", path=path, status_code=status,
                                       latency_ms=12.5, outcome=outcome, error=error)

    entry("/api/s/status-session", "ok", 200)
    entry("/api/s/start-session", "transient", 504, "gateway timeout")
    entry("/api/s/check-connection-session", "ok", 200)

    page = client.get(PAGE).content.decode()
    assert page.index("check-connection-session") < page.index("start-session") < page.index(
        "status-session")
    assert "gateway timeout" in page and "13 ms" in page

    errors = client.get(PAGE, {"errors": "1"}).content.decode()
    assert "start-session" in errors and "status-session" not in errors
    assert "check-connection-session" not in errors


def test_the_log_of_another_organization_never_shows(shop, make_tenant, client):
    other = make_tenant(name="Outra")
    DiagnosticEntry.objects.create(org=other.org, instance=other.instance, direction="out",
                                   method="GET", path="/api/theirs/status", outcome="ok")
    assert "/api/theirs/status" not in client.get(PAGE).content.decode()
    assert client.get(PAGE, {"instance": other.instance.pk}).status_code == 404
    assert client.post(url("settings_whatsapp_reset", other.instance)).status_code == 404


def test_reset_asks_for_confirmation_before_touching_the_engine(shop, engine, client):
    asked = client.get(url("settings_whatsapp_reset", shop.instance), HTTP_HX_REQUEST="true")
    assert "Fazer o reset total da instância?" in asked.content.decode()
    assert "<html" not in asked.content.decode()
    # Without htmx the confirmation is a page of its own, with the same form.
    assert "Sim, fazer o reset total" in client.get(
        url("settings_whatsapp_reset", shop.instance)).content.decode()
    assert engine.requests == []


def run_started_reset(instance: Instance) -> None:
    """What the background thread does once the request has committed."""
    from ponte.sessions.models import SessionReset
    from ponte.sessions.resets import run_reset

    run_reset(SessionReset.objects.filter(instance=instance).latest("started_at").pk)


def test_confirmed_reset_shows_a_fresh_qr_code(shop, engine, client):
    client.post(url("settings_whatsapp_reset", shop.instance))
    run_started_reset(shop.instance)
    response = client.get(PAGE)
    page = response.content.decode()
    shop.instance.refresh_from_db()
    assert shop.instance.state == "qrcode" and shop.instance.qr.startswith("data:image/png")
    assert f'src="{shop.instance.qr}"' in page
    assert "Reset total feito" in page
    assert DiagnosticEntry.objects.filter(instance=shop.instance, path__contains="start-session"
                                          ).exists()


def test_reset_against_an_unreachable_engine_says_so_without_failing(shop, engine, client):
    engine.stop()
    assert client.post(url("settings_whatsapp_reset", shop.instance)).status_code == 302
    run_started_reset(shop.instance)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "O reset total não terminou" in page and "Reset total feito" not in page
    assert "Não foi possível falar com o motor do WhatsApp" in page
    assert "engine unreachable" not in page.split('class="diagnostics"')[0].split("<details")[0]
    shop.instance.refresh_from_db()
    assert shop.instance.state == "needs_reset"


def test_reconnect_restarts_the_session(shop, engine, client):
    engine.logged_in = True
    response = client.post(url("settings_whatsapp_reconnect", shop.instance), follow=True)
    assert "Sessão reiniciada no motor." in response.content.decode()
    shop.instance.refresh_from_db()
    # The start answers the state from before it; the engine's webhook reports the login.
    assert shop.instance.state == "starting"
    assert engine.state_of(shop.instance.session_name) == "CONNECTED"
    # The attempt is given back once the session is seen healthy again.
    from ponte.sessions.supervisor import Supervisor

    supervisor = Supervisor()
    supervisor.supervise(shop.instance)
    supervisor.close()
    shop.instance.refresh_from_db()
    assert shop.instance.state == "connected" and shop.instance.reconnect_attempts == 0


def test_reconnect_with_refused_secrets_asks_for_a_reset(shop, engine, client):
    engine.accepted_secrets = ["something-else"]
    response = client.post(url("settings_whatsapp_reconnect", shop.instance), follow=True)
    assert "Faça o reset total da instância" in response.content.decode()
    shop.instance.refresh_from_db()
    assert shop.instance.state == "needs_reset"


def test_actions_need_a_post(shop, client):
    assert client.get(url("settings_whatsapp_reconnect", shop.instance)).status_code == 405


def test_rotating_the_webhook_token_changes_the_url_after_confirmation(shop, client):
    before = shop.instance.webhook_path
    asked = client.get(url("settings_whatsapp_rotate", shop.instance), HTTP_HX_REQUEST="true")
    assert "Gerar um novo token do webhook?" in asked.content.decode()
    assert Instance.objects.get(pk=shop.instance.pk).webhook_path == before

    page = client.post(url("settings_whatsapp_rotate", shop.instance), follow=True)
    after = Instance.objects.get(pk=shop.instance.pk).webhook_path
    assert after != before
    assert after in page.content.decode() and before not in page.content.decode()
    assert client.post(before, data="{}", content_type="application/json").status_code != 200
