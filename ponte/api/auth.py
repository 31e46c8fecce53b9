from django.http import HttpRequest
from ninja.security import HttpBearer

from ponte.accounts.models import ApiKey, Organization


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; the request's organization becomes `request.auth`.

    The key itself is kept as `request.api_key`: audit trails name it as who acted.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Organization | None:
        key = ApiKey.objects.authenticate(token)
        request.api_key = key
        return key.org if key else None
