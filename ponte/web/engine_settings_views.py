"""Settings › WhatsApp › Motor: the owner changes the engine's address and secrets.

Owners only, unlike the rest of the page: whoever sets the address and the secrets
decides where the number's messages go.
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ponte.accounts.models import Role
from ponte.accounts.services import (
    EngineSettingsRejected,
    check_engine_secrets,
    check_engine_url,
)
from ponte.sessions.engine_settings import check_session_now, do_reconfigure_engine
from ponte.web.instances import back_to_settings, member_instance
from ponte.web.membership import member_required

REFUSALS = {
    "invalid_url": gettext_lazy(
        "Endereço inválido: use http:// ou https:// seguido do nome ou IP do servidor do motor "
        "(por exemplo http://motor:21465)."),
    "invalid_secrets": gettext_lazy(
        "Chaves demais ou longas demais: no máximo 10, de até 500 caracteres."),
}


@member_required(manage=True)
@require_POST
def engine(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    if request.member.role != Role.OWNER:
        raise PermissionDenied("Only the owner changes the engine settings.")
    instance = member_instance(request, instance_id)
    back = back_to_settings(instance)
    try:
        url = check_engine_url(request.POST.get("base_url", ""))
        secrets_list = check_engine_secrets(request.POST.get("secrets", "").splitlines())
    except EngineSettingsRejected as exc:
        messages.error(request, str(REFUSALS[exc.code]))
        return back
    changed = do_reconfigure_engine(instance, base_url=url, secrets_list=secrets_list or None,
                                    phone_number_id=request.POST.get("phone_number_id"))
    if not changed:
        messages.info(request, _("Nada mudou nas configurações do motor."))
        return back
    check_session_now(instance)
    messages.success(request, _("Configurações do motor salvas. Sessão: %(state)s.")
                     % {"state": instance.get_state_display()})
    return back
