"""The ASGI application's lifespan: what the web process owns starts and stops with it."""

import asyncio
import warnings

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
