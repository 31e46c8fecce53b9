from django.conf import settings
from django.urls import include, path

from ponte.api.views import api
from ponte.inbox.views import noop, webhook
from ponte.ops import healthz, metrics

urlpatterns = [
    path("webhooks/<uuid:instance_id>/<str:token>", webhook, name="webhook"),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("", include("ponte.web.urls")),
]
if settings.PONTE_NOOP_ENDPOINT:
    urlpatterns.append(path("bench/noop", noop))

handler404 = "ponte.errors.not_found"
handler500 = "ponte.errors.server_error"
