"""Headless Chromium (Debian's binary) driven by Playwright for Python."""

from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


# A microphone that plays a beep, granted without asking: for recording voice notes.
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@contextmanager
def chromium(executable_path: str, extra_args: list[str] | None = None):
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=executable_path,
                                                      headless=True,
                                                      args=CHROMIUM_ARGS + (extra_args or []))
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base: str, email: str, password: str) -> None:
    """Through the login form, as a person does; returns once the workspace's top bar shows."""
    page.goto(base + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector(".topbar nav")


def click_until(page, target: str, appears: str, tries: int = 3) -> None:
    """Click `target` until `appears` shows: a click that lands as a live refresh redraws
    the inbox (the row it hit is gone) is clicked again, as a person would."""
    shown = page.locator(appears).first
    for _ in range(tries - 1):
        page.click(target)
        try:
            shown.wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    page.click(target)
    shown.wait_for()
