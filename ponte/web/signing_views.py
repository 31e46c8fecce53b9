"""Settings › WhatsApp › webhook signatures: the App Secret an engine that signs needs."""

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponte.accounts.models import Instance
from ponte.accounts.services import do_set_app_secret
from ponte.engines.calls import signs_webhooks
from ponte.web.instances import back_to_settings, member_instance
from ponte.web.membership import member_required


def webhook_signing(instance: Instance) -> str:
    """Empty for engines that do not sign; else checked, unsigned (the opt-out) or refused."""
    if not signs_webhooks(instance):
        return ""
    if instance.app_secret:
        return "checked"
    return "unsigned" if instance.allow_unsigned_webhooks else "refused"


@member_required(manage=True)
@require_POST
def set_app_secret(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    instance = member_instance(request, instance_id)
    if not signs_webhooks(instance):
        raise Http404("No such instance.")
    app_secret = request.POST.get("app_secret", "").strip()
    if not app_secret:
        messages.error(request, _("Informe o App Secret."))
    else:
        do_set_app_secret(instance, app_secret)
        messages.success(request, _("App Secret salvo: cada webhook agora é conferido."))
    return back_to_settings(instance, "#signing")
