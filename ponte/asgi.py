"""ASGI entry point.

Machine endpoints (webhooks, the REST API, health) skip the browser middleware
stack: each sync middleware costs two thread hops per request under ASGI, and
sessions, CSRF and messages mean nothing to an engine or an integrator.

The lifespan starts what the web process owns (the webhook committer, the event
loop realtime events are sent from, and the relay of the worker's events) and
stops it on shutdown.
"""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponte.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.apps import apps  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402
from django.urls import path  # noqa: E402

from ponte import realtime  # noqa: E402
from ponte.bodycap import BodyCapMiddleware  # noqa: E402
from ponte.errors import MACHINE_PREFIXES  # noqa: E402
from ponte.proxies import TrustedProxyMiddleware  # noqa: E402
from ponte.web.consumers import LiveConsumer  # noqa: E402

WEBHOOK_PREFIXES = ("/webhooks/", "/bench/")


class BareASGIHandler(ASGIHandler):
    """Django's handler with no middleware but a Content-Length on every plain response,
    and `nosniff` (the SecurityMiddleware's header), so no browser reads JSON as a page."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        answer = convert_exception_to_response(self._get_response_async)

        async def with_headers(request):
            response = await answer(request)
            if not response.streaming and not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            return response

        self._middleware_chain = with_headers


class WebhookASGIHandler(BareASGIHandler):
    """No per-request thread context either: webhook views are async, and Django's
    ThreadSensitiveContext would start a fresh thread per request just to send the
    request_started/finished signals."""

    async def __call__(self, scope, receive, send):
        await self.handle(scope, receive, send)


class SplitByPath:
    def __init__(self, webhooks, machine, browser):
        self.webhooks, self.machine, self.browser = webhooks, machine, browser

    async def __call__(self, scope, receive, send):
        path = scope["path"]
        if path.startswith(WEBHOOK_PREFIXES):
            app = self.webhooks
        elif path.startswith(MACHINE_PREFIXES):  # the rest: /api/, /healthz
            app = self.machine
        else:
            app = self.browser
        await app(scope, receive, send)


class Lifespan:
    """Starts and stops what the web process owns; every other scope goes to `app`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        committer = apps.get_app_config("inbox").committer
        relay = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                realtime.bind_server_loop(asyncio.get_running_loop())
                committer.start()
                if not realtime.shared_layer():
                    relay = realtime.relay_from_worker()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if relay is not None:
                    relay.stop()
                await asyncio.to_thread(committer.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return


browser_app = get_asgi_application()
machine_app = BareASGIHandler()

application = Lifespan(TrustedProxyMiddleware(ProtocolTypeRouter({
    "http": BodyCapMiddleware(SplitByPath(WebhookASGIHandler(), machine_app, browser_app)),
    "websocket": AuthMiddlewareStack(URLRouter([path("ws/", LiveConsumer.as_asgi())])),
})))
