"""The ERP customers beside a chat: who holds the chat's phones, and which one it is about.

`erp` and `conversations` share a layer and never import each other, so this module takes
a conversation as its id and its phones as canonical e164s; the pages and the API (above
both) gather those from the contact.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from ponte import realtime
from ponte.erp.models import ChatCustomer, Customer, CustomerPhone
from ponte.erp.queries import PurchaseSummary, customers_for_phones, purchase_summary


@dataclass(frozen=True)
class ChatCustomerCard:
    """One customer as the chat's panel and the API show it."""

    customer: Customer
    summary: PurchaseSummary
    chosen: bool

    @property
    def since(self):
        """A customer since the first purchase, or since the ERP first sent the record."""
        return self.summary.first_purchase_at or self.customer.created_at


class NotTheChatsCustomer(Exception):
    """The chosen external id holds none of the chat's phones (or is another shop's)."""


def chat_customers(org_id: int, conversation_id: int | None,
                   e164s: Iterable[str]) -> list[ChatCustomerCard]:
    """Every customer holding one of the chat's phones, the chosen one first, then by name.

    Two customers sharing a phone are both returned: the attendant picks, never the code.
    """
    customers = customers_for_phones(org_id, [e for e in e164s if e])
    chosen_id = chosen_customer_id(org_id, conversation_id) if customers else None
    cards = [ChatCustomerCard(customer, purchase_summary(customer), customer.pk == chosen_id)
             for customer in customers]
    return sorted(cards, key=lambda card: (not card.chosen, card.customer.name.casefold(),
                                           card.customer.external_id))


def chosen_customer_id(org_id: int, conversation_id: int | None) -> int | None:
    if conversation_id is None:
        return None
    return (ChatCustomer.objects.filter(org_id=org_id, conversation_id=conversation_id)
            .values_list("customer_id", flat=True).first())


def check_choose_customer(org_id: int, e164s: Iterable[str], external_id: str) -> Customer:
    """The customer the attendant picked, if it really holds one of the chat's phones."""
    for customer in customers_for_phones(org_id, [e for e in e164s if e]):
        if customer.external_id == external_id:
            return customer
    raise NotTheChatsCustomer(external_id)


@transaction.atomic
def do_choose_customer(org_id: int, conversation_id: int, customer: Customer) -> None:
    """Store the pick; the chat's other open tabs redraw its panel and inbox row on commit."""
    ChatCustomer.objects.update_or_create(org_id=org_id, conversation_id=conversation_id,
                                          defaults={"customer": customer})
    realtime.publish_on_commit(org_id, "conversation.customer_chosen",
                               {"conversation_id": conversation_id})


def names_for_phones(org_id: int, e164s: Iterable[str],
                     conversation_ids: dict[str, int] | None = None) -> dict[str, str]:
    """The ERP name to show for each phone, for a whole inbox page in two queries.

    A phone shared by customers shows the one chosen for its chat, else every name
    ("Ana / Bia"): showing one of them would be picking silently.
    """
    wanted = {e for e in e164s if e}
    if not wanted:
        return {}
    names: dict[str, dict[int, str]] = {}
    for e164, customer_id, name in (CustomerPhone.objects.filter(org_id=org_id, e164__in=wanted)
                                    .order_by("customer__name", "customer_id")
                                    .values_list("e164", "customer_id", "customer__name")):
        names.setdefault(e164, {})[customer_id] = name
    shared = {conversation_ids[e]: e for e, held in names.items()
              if len(held) > 1 and conversation_ids and e in conversation_ids}
    for conversation_id, customer_id in (ChatCustomer.objects
                                         .filter(org_id=org_id, conversation_id__in=shared)
                                         .values_list("conversation_id", "customer_id")):
        held = names[shared[conversation_id]]
        if customer_id in held:
            names[shared[conversation_id]] = {customer_id: held[customer_id]}
    return {e164: " / ".join(held.values()) for e164, held in names.items()}


def phones_named(org_id: int, text: str, limit: int = 200) -> list[str]:
    """The numbers of customers whose ERP name contains `text`, so the inbox search finds them."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(CustomerPhone.objects.filter(org_id=org_id, customer__name__icontains=text)
                .values_list("e164", flat=True).distinct()[:limit])

