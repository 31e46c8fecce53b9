"""What the chat's ERP section, the chat head and the inbox rows show of the ERP's customers."""

from ponte.conversations.models import Contact, Conversation
from ponte.conversations.queries import contact_phones
from ponte.erp.chat import chat_customers, names_for_phones


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
