"""The chat's "Cliente no ERP" section: who the ERP says is writing, and the attendant's pick."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ponte.conversations.queries import contact_phones
from ponte.erp.chat import NotTheChatsCustomer, check_choose_customer, do_choose_customer
from ponte.web.chat_actions import chat_or_404
from ponte.web.erp_context import erp_context
from ponte.web.membership import member_required


@member_required
@require_GET
def erp_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The ERP section again, when another tab picked whom the chat is about."""
    chat = chat_or_404(request, conversation_id)
    return render(request, "web/_erp_panel.html", {
        "conversation": chat, **erp_context(request.member.org.pk, chat, chat.contact)})


@member_required
@require_POST
def choose_customer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """"Esta conversa é sobre: …": the attendant's pick among customers sharing the phone."""
    chat = chat_or_404(request, conversation_id)
    org_id = request.member.org.pk
    try:
        customer = check_choose_customer(org_id, contact_phones(chat.contact),
                                         request.POST.get("external_id", "")[:100])
    except NotTheChatsCustomer:
        return HttpResponse(status=404)
    do_choose_customer(org_id, chat.pk, customer)
    if not request.htmx:
        return redirect("chat", chat.pk)
    return render(request, "web/_erp_panel.html", {
        "conversation": chat, **erp_context(org_id, chat, chat.contact)})
