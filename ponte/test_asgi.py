"""The ASGI application's lifespan: what the web process owns starts and stops with it."""

import asyncio
import warnings

import pytest
from django.apps import apps

from ponte.asgi import application


def test_the_lifespan_starts_and_stops_the_webhook_committer():
    committer = apps.get_app_config("inbox").committer
    committer.stop()
    running_while_serving = []
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    answers = []

    async def receive():
        message = next(incoming)
        if message["type"] == "lifespan.shutdown":
            running_while_serving.append(committer.running)
        return message

    async def send(message):
        answers.append(message["type"])

    asyncio.run(application({"type": "lifespan"}, receive, send))

    assert running_while_serving == [True]
    assert not committer.running
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def get_over_asgi(path: str) -> tuple[list[dict], list[str]]:
    """One GET through the whole ASGI application, with the warnings it raised."""
    bodies = [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict] = []

    async def receive():
        if bodies:
            return bodies.pop()
        await asyncio.sleep(3600)  # the client stays connected until the answer is sent

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver")],
             "server": ("testserver", 80), "client": ("127.0.0.1", 50000)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(application(scope, receive, send))
    return sent, [str(w.message) for w in caught]


def test_static_files_are_served_under_asgi_without_a_streaming_warning():
    for path in ("/static/ponte/ponte.css", "/static/ponte/realtime.js"):
        sent, warned = get_over_asgi(path)

        assert sent[0]["status"] == 200
        assert sum(len(m.get("body", b"")) for m in sent[1:]) > 1000
        assert not [w for w in warned if "StreamingHttpResponse" in w], warned


def asgi_answers(requests: list[tuple[str, str, bytes, dict]]) -> list:
    """Send requests through the whole ASGI application, as a server would."""
    import httpx

    async def send_all():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return [await http.request(method, url, content=body, headers=headers)
                    for method, url, body, headers in requests]

    return asyncio.run(send_all())


@pytest.mark.django_db(transaction=True)
def test_api_and_webhook_answers_forbid_content_sniffing(make_tenant):
    tenant = make_tenant()
    webhook = tenant.instance.webhook_path
    json_body = {"Content-Type": "application/json"}
    answers = asgi_answers([
        ("GET", "/api/v1/conversations", b"", {"Authorization": f"Bearer {tenant.api_key}"}),
        ("GET", "/api/v1/conversations", b"", {}),
        ("POST", webhook, b'{"event": "onmessage",', json_body),
        ("POST", webhook, b"<script>alert(1)</script>", {"Content-Type": "text/html"}),
        ("POST", webhook.replace(tenant.instance.webhook_token, "wrong"), b"{}", json_body),
        ("POST", webhook, b"x", {**json_body, "Content-Length": str(10**12)}),
        ("GET", "/healthz", b"", {}),
    ])
    assert [a.status_code for a in answers] == [200, 401, 400, 400, 404, 413, 200]
    for answer in answers:
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", answer.request.url


@pytest.mark.django_db(transaction=True)
def test_pages_carry_a_content_security_policy_without_inline_script(make_tenant):
    make_tenant()
    page, api = asgi_answers([("GET", "/login/", b"", {}),
                              ("GET", "/api/v1/conversations", b"", {})])
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in api.headers


@pytest.mark.django_db(transaction=True)
def test_a_content_length_of_thousands_of_digits_is_too_large_not_a_crash(make_tenant):
    tenant = make_tenant()
    headers = {"Content-Type": "application/json", "Content-Length": "9" * 5000}

    [answer] = asgi_answers([("POST", tenant.instance.webhook_path, b"{}", headers)])

    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
