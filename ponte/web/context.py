from django.conf import settings
from django.http import HttpRequest

from ponte.accounts.models import Instance, SessionState


def ponte(request: HttpRequest) -> dict:
    return {"ponte_demo": settings.PONTE_DEMO}


def instance_warnings(org) -> list[Instance]:
    """The organization's WhatsApp numbers that cannot send or receive right now."""
    return list(Instance.objects.for_org(org).exclude(state=SessionState.CONNECTED)
                .order_by("created_at"))
