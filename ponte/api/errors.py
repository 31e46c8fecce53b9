"""Every API error is `{"error", "detail"}`; a validation error's detail lists its fields."""

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ponte.api.cursors import BadCursor
from ponte.errors import Refused

HTTP_CODES = {400: "bad_request", 404: "not_found", 409: "conflict", 413: "too_large",
              502: "engine_error"}


def field_errors(errors: Iterable[dict]) -> list[dict[str, str]]:
    """Pydantic's errors as `{field, message}`: `limit`, `text`, not `('body', 'payload')`."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        source, parts = (loc[0], loc[1:]) if loc else ("body", [])
        if source == "body":
            parts = parts[1:]  # the view's parameter name, not a field the caller wrote
        found.append({"field": ".".join(parts) or source,
                      "message": str(error.get("msg", "Invalid value."))})
    return found


def install(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, status: int, error: str, detail) -> HttpResponse:
        return api.create_response(request, {"error": error, "detail": detail}, status=status)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
        return answer(request, 401, "unauthorized", "Missing or invalid API key.")

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return answer(request, 422, "invalid", field_errors(exc.errors))

    @api.exception_handler(BadCursor)
    def bad_cursor(request: HttpRequest, exc: BadCursor) -> HttpResponse:
        return answer(request, 400, "bad_cursor",
                      "`before` must be the `next_before` of a previous page, unchanged.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return answer(request, exc.status_code, HTTP_CODES.get(exc.status_code, "error"),
                      str(exc))

    @api.exception_handler(Refused)  # sends, privacy and lead changes refuse alike
    def rejected(request: HttpRequest, exc: Refused) -> HttpResponse:
        return answer(request, exc.status, exc.code, exc.detail)
