from django.http import HttpRequest
from ninja.security import HttpBearer

from ponte.accounts.models import ApiKey, Organization


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; the request's organization becomes `request.auth`."""

    def authenticate(self, request: HttpRequest, token: str) -> Organization | None:
        key = ApiKey.objects.authenticate(token)
        return key.org if key else None
