"""The ASGI application's lifespan: what the web process owns starts and stops with it."""

import asyncio

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
