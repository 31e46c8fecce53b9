"""ASGI entry point.

Machine endpoints (webhooks, the REST API, health) skip the browser middleware
stack: each sync middleware costs two thread hops per request under ASGI, and
sessions, CSRF and messages mean nothing to an engine or an integrator.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponte.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402

from ponte.bodycap import BodyCapMiddleware  # noqa: E402

MACHINE_PREFIXES = ("/webhooks/", "/api/", "/healthz", "/bench/")


class BareASGIHandler(ASGIHandler):
    """Django's handler with no middleware but a Content-Length on every plain response."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []

        async def with_length(request):
            response = await self._get_response_async(request)
            if not response.streaming and not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            return response

        self._middleware_chain = convert_exception_to_response(with_length)


class SplitByPath:
    def __init__(self, machine, browser):
        self.machine, self.browser = machine, browser

    async def __call__(self, scope, receive, send):
        app = self.machine if scope["path"].startswith(MACHINE_PREFIXES) else self.browser
        await app(scope, receive, send)


browser_app = get_asgi_application()
machine_app = BareASGIHandler()

application = ProtocolTypeRouter({
    "http": BodyCapMiddleware(SplitByPath(machine_app, browser_app)),
})
