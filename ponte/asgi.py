"""ASGI entry point: Django over HTTP, Channels for WebSockets, a body cap in front."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponte.settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_app = get_asgi_application()

from ponte.bodycap import BodyCapMiddleware  # noqa: E402

application = ProtocolTypeRouter({"http": BodyCapMiddleware(django_app)})
