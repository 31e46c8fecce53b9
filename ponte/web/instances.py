"""The instance a Settings › WhatsApp form is about, and the way back to its page."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ponte.accounts.models import Instance


def member_instance(request: HttpRequest, instance_id: UUID | None = None) -> Instance | None:
    """The organization's instance by id (404 when not its own), else its first one."""
    mine = Instance.objects.for_org(request.member.org).order_by("created_at")
    if instance_id is None:
        return mine.first()
    instance = mine.filter(pk=instance_id).first()
    if instance is None:
        raise Http404("No such instance.")
    return instance


def back_to_settings(instance: Instance, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse('settings_whatsapp')}?instance={instance.pk}{anchor}")
