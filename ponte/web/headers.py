"""The page's Content-Security-Policy: scripts and styles only from Ponte's own files."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from ponte.errors import for_machines


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Even if some text slipped past escaping, a page would run no inline script.

    Machine answers (JSON for engines and integrators) are left alone: they are no pages.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not for_machines(request):
            response.headers.setdefault("Content-Security-Policy",
                                        settings.PONTE_CONTENT_SECURITY_POLICY)
        return response
