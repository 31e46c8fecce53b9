"""The chat's "Cliente no ERP" section: who the ERP says is writing, and the attendant's pick."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ponte.conversations.models import Contact, Conversation
from ponte.conversations.queries import contact_phones
from ponte.erp.chat import (
    NotTheChatsCustomer,
    chat_customers,
    check_choose_customer,
    do_choose_customer,
    names_for_phones,
)
from ponte.web.chat_actions import chat_or_404
from ponte.web.membership import member_required


def erp_context(org_id: int, chat: Conversation | None, contact: Contact | None,
                phone: str = "") -> dict:
    """The ERP cards for the chat's phones; a virtual chat (no contact yet) uses its phone."""
    phones = contact_phones(contact) or ([phone] if phone else [])
    cards = chat_customers(org_id, chat.pk if chat else None, phones)
    chosen = next((card for card in cards if card.chosen), None)
    # The name to show where WhatsApp gave none: the chosen customer's, else the only one's.
    named = chosen or (cards[0] if len(cards) == 1 else None)
    return {"erp_customers": cards, "erp_chosen": chosen,
            "erp_photo": named.customer.photo_url if named else "",
            "erp_name": named.customer.name if named else
            " / ".join(card.customer.name for card in cards)}


def with_erp_names(org_id: int, chats: list[Conversation]) -> list[Conversation]:
    """Give each inbox row `erp_name` (maybe empty): two queries for the whole page."""
    by_phone = {chat.contact.e164: chat.pk for chat in chats if chat.contact.e164}
    names = names_for_phones(org_id, by_phone, conversation_ids=by_phone)
    for chat in chats:
        chat.erp_name = names.get(chat.contact.e164 or "", "")
    return chats


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
