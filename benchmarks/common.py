"""What the browser-side benchmarks share: a customer's webhook, a signed-in session, figures.

Kept apart so realtime.py and navigation.py post the same WPPConnect bodies and sign in
the same way a person does (the sign-in form, not a forged session).
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.procs import signed_in  # noqa: E402

# One message on screen, as the history partial renders it: its id and its text.
MESSAGE_HTML = re.compile(r'data-id="(\d+)".*?<div class="text">(?:<bdi>)?([^<]*)', re.S)


def inbound(wa_user: str, text: str, seq: str, name: str = "Cliente Bench",
            when: float | None = None) -> dict:
    """The body WPPConnect posts when a customer writes; `seq` makes the engine id unique."""
    stamp = int(when if when is not None else time.time())
    return {"event": "onmessage", "id": f"false_{wa_user}@c.us_{seq}",
            "body": text, "type": "chat", "t": stamp, "timestamp": stamp,
            "from": f"{wa_user}@c.us", "to": "5511988880000@c.us", "fromMe": False,
            "isGroupMsg": False, "chatId": f"{wa_user}@c.us", "notifyName": name}


def session_cookies(base: str, email: str, password: str) -> dict[str, str]:
    """Cookies of a signed-in tab. With several organizations the first one offered is taken."""
    client = signed_in(base, email, password)
    try:
        landing = client.get("/", follow_redirects=True)
        org = re.search(r'name="org"[^>]*value="([^"]+)"', landing.text)
        if org:
            client.post(str(landing.url), data={
                "org": org.group(1), "csrfmiddlewaretoken": client.cookies["csrftoken"]},
                headers={"Referer": str(landing.url)})
        return dict(client.cookies)
    finally:
        client.close()


def shown_messages(html: str) -> dict[int, str]:
    """Message id -> text for every message in a history partial."""
    return {int(pk): text for pk, text in MESSAGE_HTML.findall(html)}


def ms(values: list[float], q: int) -> float:
    """The q-th percentile of durations in seconds, in milliseconds (max for q=100)."""
    if not values:
        return float("nan")
    if q >= 100 or len(values) == 1:
        return max(values) * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def setup_label(env: dict) -> str:
    """Which database and channel layer the served process uses (credentials left out)."""
    database = "postgresql" if env.get("DATABASE_URL") else "sqlite"
    redis = os.environ.get("REDIS_URL", "")
    layer = f"redis ({urlsplit(redis).hostname}:{urlsplit(redis).port})" if redis else "in-memory"
    return f"database={database} channel layer={layer}"


def api_client(base: str, api_key: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {api_key}"})
