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
    return _named(org_id, chats, lambda chat: (chat.contact.e164, chat.pk))


def with_lead_erp_names(org_id: int, leads: list) -> list:
    """Give each lead row (from `leads.queries.leads`) its `erp_name`, as the inbox does."""
    return _named(org_id, leads, lambda lead: (lead.contact.e164, lead.conversation_id))


def _named(org_id: int, rows: list, phone_and_chat) -> list:
    by_phone = dict(phone_and_chat(row) for row in rows if row.contact.e164)
    names = names_for_phones(org_id, by_phone, conversation_ids=by_phone)
    for row in rows:
        row.erp_name = names.get(row.contact.e164 or "", "")
    return rows
