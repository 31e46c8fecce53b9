"""Quick replies: saved answers the composer offers after `/`, with the chat's facts filled in.

Filling is a plain replacement of known `{names}`, never `str.format` (which would let
`{nome.__class__}` reach into objects); a customer's name goes in as data, so a name that
itself reads `{atendente}` stays as written. An unknown or empty placeholder becomes empty
text: a customer never receives "{nome}".
"""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.conversations.models import Contact, Conversation
from ponte.conversations.queries import contact_phones
from ponte.desk.models import QuickReply
from ponte.erp.chat import chat_customers
from ponte.erp.models import Customer
from ponte.errors import Refused
from ponte.text import reais

SHORTCUT_LENGTH = 40
TEXT_LENGTH = 4096  # what one WhatsApp text may hold (the composer's limit)
PLACEHOLDERS = ("nome", "nome_completo", "atendente", "cashback", "validade_cashback")
_FIELD = re.compile(r"\{([^{}\s]{1,40})\}")
_SHORTCUT = re.compile(r"[^\s/]+")
SHOWN = 20
_EMPTY = "\x00"  # never in stored text (the database refuses it)
_EMPTIED = re.compile(r"[ \t]\x00(?=[\s,.!?;:\x00]|$)")


class QuickReplyRefused(Refused):
    status = 422


class QuickReplyTaken(Refused):
    status = 409


@dataclass(frozen=True)
class Filled:
    reply: QuickReply
    text: str


def check_quick_reply(shortcut: str, text: str) -> tuple[str, str]:
    """The shortcut (no slash, no spaces) and the text as stored, or a refusal saying why."""
    shortcut = str(shortcut or "").strip().lstrip("/")
    text = str(text or "").strip()
    if not shortcut:
        raise QuickReplyRefused("shortcut_blank", _("Dê um atalho à resposta, como “entrega”."))
    if len(shortcut) > SHORTCUT_LENGTH:
        raise QuickReplyRefused("shortcut_too_long", _(
            "O atalho tem no máximo %(n)d caracteres.") % {"n": SHORTCUT_LENGTH})
    if not _SHORTCUT.fullmatch(shortcut):
        raise QuickReplyRefused("shortcut_spaces", _(
            "O atalho é uma palavra só, sem espaços nem barras: use “-” para juntar palavras."))
    if not text:
        raise QuickReplyRefused("text_blank", _("Escreva o texto da resposta."))
    if len(text) > TEXT_LENGTH:
        raise QuickReplyRefused("text_too_long", _(
            "O texto tem no máximo %(n)d caracteres.") % {"n": TEXT_LENGTH})
    return shortcut, text


def _taken(shortcut: str) -> QuickReplyTaken:
    return QuickReplyTaken("shortcut_taken", _(
        "Já existe uma resposta com o atalho /%(shortcut)s: escolha outro ou edite aquela.")
        % {"shortcut": shortcut})


def _check_free(org_id, shortcut: str, exclude_pk: int | None = None) -> None:
    same = QuickReply.objects.filter(org_id=org_id).annotate(lower=Lower("shortcut")).filter(
        lower=shortcut.lower())
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise _taken(shortcut)


def do_create_quick_reply(org_id, shortcut: str, text: str, user=None) -> QuickReply:
    shortcut, text = check_quick_reply(shortcut, text)
    _check_free(org_id, shortcut)
    try:
        with transaction.atomic():
            return QuickReply.objects.create(org_id=org_id, shortcut=shortcut, text=text,
                                             created_by=user)
    except IntegrityError:  # made meanwhile by someone else
        raise _taken(shortcut) from None


def do_update_quick_reply(reply: QuickReply, shortcut: str | None = None,
                          text: str | None = None) -> QuickReply:
    shortcut, text = check_quick_reply(reply.shortcut if shortcut is None else shortcut,
                                       reply.text if text is None else text)
    _check_free(reply.org_id, shortcut, exclude_pk=reply.pk)
    reply.shortcut, reply.text, reply.updated_at = shortcut, text, timezone.now()
    try:
        with transaction.atomic():
            reply.save(update_fields=["shortcut", "text", "updated_at"])
    except IntegrityError:
        raise _taken(shortcut) from None
    return reply


def do_delete_quick_reply(reply: QuickReply) -> None:
    reply.delete()


def replies_matching(org_id, query: str = "", limit: int = SHOWN) -> list[QuickReply]:
    """The organization's replies whose shortcut or text holds `query`; shortcut matches first."""
    query = query.strip().lstrip("/")
    replies = QuickReply.objects.filter(org_id=org_id)
    if query:
        replies = replies.filter(Q(shortcut__icontains=query) | Q(text__icontains=query))
    found = list(replies.order_by(Lower("shortcut"))[:200])
    lowered = query.lower()
    found.sort(key=lambda r: (not r.shortcut.lower().startswith(lowered),
                              lowered not in r.shortcut.lower()))
    return found[:limit]


def fill(text: str, values: dict[str, str]) -> str:
    """Each `{name}` replaced in one pass; unknown names become empty, values are not re-read.

    An emptied placeholder takes the space before it along ("Olá {nome}, tudo bem?" with no
    name is "Olá, tudo bem?").
    """
    marked = _FIELD.sub(lambda found: values.get(found[1].lower(), "") or _EMPTY, text)
    return _EMPTIED.sub("", marked).replace(_EMPTY, "").strip()


def first_name(name: str) -> str:
    """The first word that has a letter: "~ Ana Souza 🌸" -> "Ana"."""
    for word in (name or "").split():
        if any(ch.isalpha() for ch in word):
            return word.strip(".,;:!?~-_*")
    return ""


def _customer(chat: Conversation | None, contact: Contact | None) -> Customer | None:
    """The ERP customer the chat is about: the one chosen, else the only one."""
    if contact is None:
        return None
    cards = chat_customers(contact.org_id, chat.pk if chat else None, contact_phones(contact))
    chosen = next((card for card in cards if card.chosen), None)
    named = chosen or (cards[0] if len(cards) == 1 else None)
    return named.customer if named else None


def _with_letters(name: str) -> str:
    return name if any(ch.isalpha() for ch in name or "") else ""


def values_for(chat: Conversation | None, contact: Contact | None, user=None) -> dict[str, str]:
    """What each placeholder means in this chat, for this attendant ("" where unknown)."""
    customer = _customer(chat, contact)
    full = ""
    if contact is not None:
        full = _with_letters(contact.name) or _with_letters(contact.push_name)
    if not full and customer is not None:
        full = customer.name
    attendant = ""
    if user is not None:
        attendant = first_name(user.first_name or user.get_full_name() or "")
    has_cashback = customer is not None and customer.cashback_balance > 0
    return {
        "nome": first_name(full), "nome_completo": " ".join(full.split()),
        "atendente": attendant,
        "cashback": reais(customer.cashback_balance) if has_cashback else "",
        "validade_cashback": customer.cashback_expires_on.strftime("%d/%m/%Y")
        if has_cashback and customer.cashback_expires_on else "",
    }


def filled_replies(chat: Conversation, user, query: str = "") -> list[Filled]:
    """The replies matching `query`, each with the chat's facts in place."""
    replies = replies_matching(chat.org_id, query)
    if not replies:
        return []
    values = values_for(chat, chat.contact, user)
    return [Filled(reply, fill(reply.text, values)) for reply in replies]
