"""Two attendants' inboxes in headless Chromium: a chat one of them takes moves, live, from
"Sem responsável" to their "Minhas", and every tab's count follows."""

from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from emulators.wppconnect import Emulator
from tests.browser import click_until
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.test_settings_browser import AGENT, add_agent
from tests.test_workspace_browser import (  # noqa: F401 (browser: a fixture)
    ARTIFACTS,
    SECRET,
    VIOLATION,
    browser,
    inbound,
    signed_in_page,
)

pytestmark = pytest.mark.slow


@contextmanager
def shop_with_two_attendants(data_dir: Path, browser):  # noqa: F811
    emulator = Emulator(secrets=[SECRET], logged_in=True, auto_ack=False).start()
    try:
        with isolated_env(data_dir) as env:
            made = ponte_init(env, "wppconnect", "Loja Centro", "--engine-url",
                              emulator.base_url, "--secret", SECRET)
            add_agent(env, made["organization_id"])
            with Server(env) as server:
                api = httpx.Client(base_url=server.base, timeout=10,
                                   headers={"Authorization": f"Bearer {made['api_key']}"})
                yield SimpleNamespace(server=server, made=made, api=api, browser=browser)
    finally:
        emulator.stop()


def count(page, queue: str) -> str:
    return page.locator(f".queue-tab [data-count={queue}]").inner_text()


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    with shop_with_two_attendants(tmp_path_factory.mktemp("queues"), browser) as shop:
        yield shop


def test_a_chat_taken_by_one_attendant_moves_live_between_both_inboxes(shop):
    inbound(shop, "5531922220001", "quero trocar o tênis", "Carla Fila")
    chat_id = wait_for(lambda: next((c["id"] for c in shop.api.get(
        "/api/v1/conversations").json()["items"] if c["contact"]["e164"] == "+5531922220001"),
        None))
    agent = {"owner_email": AGENT[0], "owner_password": AGENT[1]}
    base = shop.server.base
    with signed_in_page(shop.browser, base, shop.made) as a, \
            signed_in_page(shop.browser, base, agent) as b:
        b.click(".queue-tab[data-queue=unassigned]")
        b.wait_for_selector(".queue-tab[data-queue=unassigned][aria-pressed=true]")
        row = f".chat-row[data-conversation-id='{chat_id}']"
        b.wait_for_selector(row)
        assert count(b, "unassigned") == "1"

        a.goto(f"{base}/conversations/{chat_id}/?queue=mine")
        a.wait_for_selector("#live-state[data-live=live]")
        assert a.locator(f"#inbox-list {row}").count() == 0
        assert count(a, "mine") == "0"
        a.click("#assign button:has-text('Assumir')")

        a.wait_for_selector(f"#inbox-list {row}")
        wait_for(lambda: count(a, "mine") == "1")
        assert count(a, "unassigned") == "0"
        b.wait_for_selector(row, state="detached")
        wait_for(lambda: count(b, "unassigned") == "0")
        assert count(b, "mine") == "0" and count(b, "all") == "1"


def test_chosen_rows_get_a_label_at_once_and_show_it_as_a_chip(shop):
    inbound(shop, "5531922220002", "oi, tem desconto?", "Davi Lote")
    inbound(shop, "5531922220003", "bom dia", "Eva Lote")
    with signed_in_page(shop.browser, shop.server.base, shop.made) as page:
        refused = []
        page.on("console", lambda message: VIOLATION in message.text
                and refused.append(message.text))
        page.wait_for_selector(".chat-row:has-text('Eva Lote')")
        page.click(".select-toggle")
        page.wait_for_selector("#bulk-labels:not([hidden])")
        page.click(".chat-row:has-text('Davi Lote')")
        page.click(".chat-row:has-text('Eva Lote')")
        assert page.locator("#chat").count() == 0  # ticking is not opening
        assert page.locator(".row-select:checked").count() == 2
        page.fill("#bulk-labels input[name=label]", "Atacado")
        page.click("#bulk-labels button[value=add]")
        page.wait_for_selector("#bulk-result .ok")
        for name in ("Davi Lote", "Eva Lote"):
            page.wait_for_selector(f".chat-row:has-text('{name}') .label-chip:has-text('Atacado')")
        assert page.locator(".row-select:checked").count() == 2  # kept across the refresh
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "inbox-queues.png"))
        chip = page.locator(".chat-row:has-text('Eva Lote') .label-chip")
        assert chip.evaluate("chip => chip.style.getPropertyValue('--chip')") == "#64748b"
        page.click("#bulk-labels button[value=remove]")
        page.wait_for_selector(".chat-row:has-text('Eva Lote') .label-chip", state="detached")
        page.wait_for_selector(".chat-row:has-text('Davi Lote') .label-chip", state="detached")
        assert refused == []


def test_scrolling_the_inbox_loads_the_next_page_of_chats(shop):
    for n in range(52):
        inbound(shop, f"55319333{n:05d}", f"mensagem {n}", f"Cliente Página {n}")
    wait_for(lambda: len(shop.api.get("/api/v1/conversations", params={
        "limit": 200, "q": "Página"}).json()["items"]) == 52)
    with signed_in_page(shop.browser, shop.server.base, shop.made) as page:
        rows = page.locator("#inbox-list .chat-row")
        total = int(page.locator(".queue-tab [data-count=all]").inner_text())
        assert total >= 52 and rows.count() == 50

        def scrolled_to_the_end():  # a live refresh meanwhile brings back the first page only
            page.evaluate("document.querySelector('#inbox-list').scrollTop = 1e9")
            ids = rows.evaluate_all("rows => rows.map(row => row.dataset.conversationId)")
            ended = page.locator("#inbox-list .more-chats").count() == 0
            return ids if len(ids) == total and ended else None

        ids = wait_for(scrolled_to_the_end)
        assert len(set(ids)) == total


def test_a_chat_one_attendant_assigns_to_the_other_appears_live_in_their_minhas(shop):
    inbound(shop, "5531922220009", "vocês têm a bolsa preta?", "Rita Transfere")
    chat_id = wait_for(lambda: next((c["id"] for c in shop.api.get(
        "/api/v1/conversations").json()["items"] if c["contact"]["e164"] == "+5531922220009"),
        None))
    agent = {"owner_email": AGENT[0], "owner_password": AGENT[1]}
    base = shop.server.base
    row = f".chat-row[data-conversation-id='{chat_id}']"
    with signed_in_page(shop.browser, base, shop.made) as giver, \
            signed_in_page(shop.browser, base, agent) as taker:
        taker.click(".queue-tab[data-queue=mine]")
        taker.wait_for_selector(".queue-tab[data-queue=mine][aria-pressed=true]")
        assert taker.locator(row).count() == 0
        mine_before = int(count(taker, "mine"))

        giver.goto(f"{base}/conversations/{chat_id}/")
        giver.wait_for_selector("#live-state[data-live=live]")
        giver.click("#chat-flow .assign-menu summary")
        giver.select_option("#chat-flow select[name=assignee]", label=AGENT[0])
        giver.fill("#chat-flow input[name=note]", "cliente quer a bolsa preta")
        giver.click("#chat-flow .assign-menu button[type=submit]")

        taker.wait_for_selector(row)
        wait_for(lambda: int(count(taker, "mine")) == mine_before + 1)
        click_until(taker, row, "#history .msg")
        taker.wait_for_selector("#history .timeline-event:has-text('cliente quer a bolsa preta')")
        assert taker.locator("#bell-count").inner_text().strip() == "1"
