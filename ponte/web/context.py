from django.conf import settings
from django.http import HttpRequest


def ponte(request: HttpRequest) -> dict:
    return {"ponte_demo": settings.PONTE_DEMO}
