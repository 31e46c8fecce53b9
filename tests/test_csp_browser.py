"""The pages under their Content-Security-Policy, in headless Chromium against `ponte serve`:
everything works with no inline script or style, and an injected inline script does not run."""

import time
import uuid
from types import SimpleNamespace

import httpx
import pytest

from emulators.wppconnect import Emulator
from tests.browser import chromium
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.test_workspace_browser import open_chat, signed_in_page

pytestmark = pytest.mark.slow
SECRET = "csp-secret-0001"
# Chromium reports every blocked script, style or eval as a console error with this text.
VIOLATION = "Content Security Policy"


@pytest.fixture(scope="module")
def shop(tmp_path_factory, chromium_path):
    emulator = Emulator(secrets=[SECRET], logged_in=True).start()
    with chromium(chromium_path) as browser, \
            isolated_env(tmp_path_factory.mktemp("csp")) as env:
        made = ponte_init(env, "wppconnect", "Loja CSP", "--engine-url", emulator.base_url,
                          "--secret", SECRET)
        with Server(env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}) as server:
            api = httpx.Client(base_url=server.base, timeout=10,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            yield SimpleNamespace(server=server, made=made, browser=browser)
    emulator.stop()


@pytest.fixture
def page(shop):
    with signed_in_page(shop.browser, shop.server.base, shop.made) as page:
        page.violations = []
        page.on("console", lambda message: VIOLATION in message.text
                and page.violations.append(message.text))
        yield page


def inbound(shop, wa_user: str, text: str, name: str) -> None:
    body = {"event": "onmessage", "id": f"false_{wa_user}@c.us_{uuid.uuid4().hex}",
            "body": text, "type": "chat", "t": int(time.time()), "from": f"{wa_user}@c.us",
            "to": "5511988880000@c.us", "fromMe": False, "chatId": f"{wa_user}@c.us",
            "notifyName": name}
    response = httpx.post(shop.server.base + shop.made["webhook_url"], json=body, timeout=10)
    assert response.status_code == 200


def test_the_workspace_and_settings_work_under_the_policy_with_nothing_blocked(shop, page):
    inbound(shop, "5531922220001", "bom dia", "Ana Política")
    page.reload()
    open_chat(page, "Ana Política")
    inbound(shop, "5531922220001", "chegou ao vivo", "Ana Política")
    page.wait_for_selector("#history .msg:has-text('chegou ao vivo')")
    page.fill("#composer textarea", "resposta sob a política")
    page.keyboard.press("Enter")
    page.locator("#history .msg.out", has_text="resposta sob a política").wait_for()

    page.goto(shop.server.base + "/settings/whatsapp/")
    page.wait_for_selector(".diagnostics, table")
    page.wait_for_timeout(500)  # let htmx start its polling

    assert page.violations == []


def test_an_injected_inline_script_or_style_is_blocked(shop, page):
    ran = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener("securitypolicyviolation", event => resolve({
            directive: event.effectiveDirective, ran: window.injected === true}), {once: true});
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    })""")

    assert ran == {"directive": "script-src-elem", "ran": False}
    assert page.evaluate("window.injected === undefined")
    assert page.violations
