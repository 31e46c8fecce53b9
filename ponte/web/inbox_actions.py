"""What an attendant does to many inbox rows at once: a label on or off the chosen chats."""

from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ponte.conversations.models import Conversation
from ponte.desk.labels import do_add_label, do_remove_label
from ponte.errors import Refused
from ponte.web.membership import member_required

MOST_CHOSEN = 500


@member_required
@require_POST
def inbox_labels(request: HttpRequest) -> HttpResponse:
    """Add or remove one label (by name, made on first use) on the chats ticked in the inbox;
    chats of another organization are ignored, the rows redraw from the realtime event."""
    ids = [int(raw) for raw in request.POST.getlist("chat")[:MOST_CHOSEN] if raw.isdigit()]
    chats = list(Conversation.objects.for_org(request.member.org).filter(pk__in=ids))
    if not chats:
        return _answer(_("Escolha ao menos uma conversa na lista."), ok=False)
    name = request.POST.get("label", "")
    try:
        if request.POST.get("action") == "remove":
            do_remove_label(chats, name, request.user)
            said = ngettext("Etiqueta retirada de %(n)d conversa.",
                            "Etiqueta retirada de %(n)d conversas.", len(chats))
        else:
            do_add_label(chats, name, request.user)
            said = ngettext("Etiqueta posta em %(n)d conversa.",
                            "Etiqueta posta em %(n)d conversas.", len(chats))
    except Refused as refused:
        return _answer(refused.detail, ok=False)
    return _answer(said % {"n": len(chats)})


def _answer(text: str, ok: bool = True) -> HttpResponse:
    # htmx swaps only 2xx answers by default: a refusal is a 200 too, shown as an error.
    return HttpResponse(format_html('<span class="{}">{}</span>', "ok" if ok else "error", text))
