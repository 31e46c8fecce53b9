"""Error answers: JSON for engines and integrators, Django's pages for browsers."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


class Refused(ValueError):
    """A request refused on purpose: `code` for machines, `detail` for a person, and the
    HTTP status the API answers with (each kind of refusal sets its default)."""

    status = 400

    def __init__(self, code: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail
        self.status = status or type(self).status

MACHINE_PREFIXES = ("/webhooks/", "/api/", "/healthz", "/metrics", "/bench/")


def for_machines(request: HttpRequest) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if for_machines(request):
        return JsonResponse({"error": "not_found", "detail": "No such resource."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if for_machines(request):
        return JsonResponse({"error": "server_error", "detail": "Unexpected error; logged."},
                            status=500)
    return defaults.server_error(request)
