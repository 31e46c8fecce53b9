"""Hiding a number from inside its chat: an owner or admin confirms, the person's data goes."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ponte.privacy.services import Actor, PrivacyRefused, check_phone, do_hide_number
from ponte.text import replace_unstorable
from ponte.web.chat_actions import chat_or_404
from ponte.web.membership import member_required
from ponte.web.templatetags.ponte_web import phone

NOTE_LIMIT = 200


@never_cache
@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def hide_number(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET says what will be erased and asks to confirm; POST (the confirmation) hides.

    A contact known only by its @lid has no phone to hide: the page says so instead.
    """
    chat = chat_or_404(request, conversation_id)
    contact = chat.contact
    context = {"org": request.member.org, "member": request.member, "conversation": chat,
               "contact": contact}
    try:
        e164 = check_phone(contact.e164 or "")
    except PrivacyRefused:
        return render(request, "web/hide_number.html", context | {"no_phone": True},
                      status=409 if request.method == "POST" else 200)
    if request.method == "GET":
        return render(request, "web/hide_number.html", context | {"phone": e164})
    note = replace_unstorable(request.POST.get("note", "").strip())[:NOTE_LIMIT]
    do_hide_number(request.member.org_id, e164, Actor.member(request.user), note)
    messages.success(request, _("Número ocultado do CRM: %(phone)s. A conversa e os dados dele "
                                "foram apagados, e novas mensagens dele não serão guardadas.")
                     % {"phone": phone(e164)})
    return redirect("inbox")
