"""The demo shop's desk: a second attendant, labels, quick replies, a note, chats in
each status and the away message, so every part of the attendant's day has something
to show."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ponte.accounts.models import Member, Organization, Role
from ponte.conversations.models import Conversation
from ponte.desk.labels import do_set_labels, name_of
from ponte.desk.models import ConversationEvent, DeskSettings, Note, QuickReply

AGENT_EMAIL = "caio@ponte.local"
AGENT_PASSWORD = "demo-ponte"
QUICK_REPLIES = [
    ("entrega", "Olá, {nome}! Para BH a entrega leva 2 dias úteis e o frete é R$ 15."),
    ("pix", "{nome}, a chave Pix é o CNPJ da loja: 12.345.678/0001-90. "
            "Assim que cair eu separo seu pedido!"),
    ("troca", "Sinto muito, {nome}! Pode mandar uma foto do defeito? Trocamos em até 7 dias. "
              "— {atendente}"),
    ("horario", "Atendemos de segunda a sexta, das 9h às 18h, e sábado das 9h às 13h."),
]
LABELS = {"+5548999990001": ["Troca"], "+5521991234567": ["Pix", "Atacado"],
          "+5531987654321": ["Pix"]}
WEEKDAYS = [[["09:00", "18:00"]]] * 5 + [[["09:00", "13:00"]], []]


def seed_desk(org: Organization, owner) -> None:
    """Runs once, with the rest of the shop's seeding."""
    agent = get_user_model().objects.create_user(AGENT_EMAIL, AGENT_EMAIL, AGENT_PASSWORD,
                                                 first_name="Caio")
    Member.objects.create(org=org, user=agent, role=Role.AGENT)
    QuickReply.objects.bulk_create([QuickReply(org=org, shortcut=shortcut, text=text,
                                               created_by=owner)
                                    for shortcut, text in QUICK_REPLIES])
    chats = {chat.contact.e164: chat for chat in
             Conversation.objects.filter(org=org).select_related("contact")}
    for e164, names in LABELS.items():
        do_set_labels(chats[e164], names, owner)
    DeskSettings.objects.create(
        org=org, away_enabled=True, business_hours={str(day): hours for day, hours
                                                    in enumerate(WEEKDAYS)},
        away_text="Olá! Nosso atendimento é de segunda a sexta, das 9h às 18h, e sábado das "
                  "9h às 13h. Respondemos assim que voltarmos. 😊")
    now = timezone.now()
    _assign(chats["+5548999990001"], agent, owner, now, note="Cliente da Loja Centro: veja a nota.")
    _assign(chats["+5521991234567"], owner, owner, now)
    _status(chats["+5511998765432"], Conversation.Status.PENDING, owner, now)
    Note.objects.create(org=org, conversation=chats["+5548999990001"], author=owner,
                        author_name=name_of(owner), created_at=now - timedelta(minutes=10),
                        text="Comprou na Loja Centro há 10 dias. Pedir foto do defeito antes "
                             "de aprovar a troca, @Caio.")


def _assign(chat: Conversation, to, actor, now, note: str = "") -> None:
    Conversation.objects.filter(pk=chat.pk).update(assignee=to)
    ConversationEvent.objects.create(
        org_id=chat.org_id, conversation=chat, kind=ConversationEvent.Kind.ASSIGNED, actor=actor,
        actor_name=name_of(actor), created_at=now - timedelta(minutes=12),
        data={"from_id": None, "to_id": to.pk, "to_name": name_of(to)} | ({"note": note}
                                                                       if note else {}))


def _status(chat: Conversation, status: str, actor, now) -> None:
    Conversation.objects.filter(pk=chat.pk).update(status=status, status_changed_at=now)
    ConversationEvent.objects.create(
        org_id=chat.org_id, conversation=chat, kind=ConversationEvent.Kind.STATUS, actor=actor,
        actor_name=name_of(actor), created_at=now - timedelta(minutes=5),
        data={"from": Conversation.Status.OPEN, "to": status})
