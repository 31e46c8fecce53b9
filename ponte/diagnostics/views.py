from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ponte.diagnostics.metrics import register_database_gauges


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database round trip, the backlogs, and each instance's session state."""
    from ponte.accounts.models import Instance
    from ponte.conversations.models import Message
    from ponte.inbox.models import InboxEvent

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body = {
            "status": "ok", "database": "ok", "database_vendor": connection.vendor,
            "queue": {
                "inbox_pending": InboxEvent.objects.filter(state="pending").count(),
                "outbound_pending": Message.objects.filter(status="pending").count(),
            },
            "instances": [{"id": str(pk), "engine": engine, "state": state}
                          for pk, engine, state in
                          Instance.objects.values_list("id", "engine", "state")],
        }
        return JsonResponse(body)
    except Exception as exc:  # the health check reports, it never raises
        return JsonResponse({"status": "degraded", "database": f"error: {type(exc).__name__}"},
                            status=503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    register_database_gauges()
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
