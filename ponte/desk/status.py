"""A chat's status as the attendant sets it: open, pending (waiting for the customer),
snoozed until a time, resolved. A snoozed chat wakes by itself (`do_wake_snoozed`, run by
the "ponte-desk" loop); any of them opens again when the customer writes (`inbound.py`)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.conversations.models import Conversation
from ponte.db import serialized_writes
from ponte.desk.labels import name_of
from ponte.desk.models import ConversationEvent, DeskSettings
from ponte.errors import Refused

Status = Conversation.Status
SNOOZE_CHOICES = ("1h", "tomorrow9")  # "1 hora", "amanhã 9h"
LATEST_SNOOZE = timedelta(days=366)


class StatusRefused(Refused):
    """A status that cannot be set."""

    status = 422


def check_status(status: str, snoozed_until: datetime | None,
                 now: datetime | None = None) -> tuple[str, datetime | None]:
    """The status and wake-up time to store; a snooze needs a time in the future."""
    if status not in Status.values:
        raise StatusRefused("invalid_status", _(
            "Situação desconhecida: escolha aberta, pendente, adiada ou resolvida."))
    if status != Status.SNOOZED:
        return status, None
    now = now or timezone.now()
    if snoozed_until is None:
        raise StatusRefused("snooze_needs_time", _(
            "Para adiar, diga até quando: escolha um horário no futuro."))
    if timezone.is_naive(snoozed_until):
        raise StatusRefused("snooze_needs_time", _(
            "O horário do adiamento precisa de fuso horário."))
    if snoozed_until <= now:
        raise StatusRefused("snooze_in_the_past", _(
            "Esse horário já passou: para adiar, escolha um horário no futuro."))
    if snoozed_until > now + LATEST_SNOOZE:
        raise StatusRefused("snooze_too_far", _(
            "Adie por no máximo um ano; depois disso, marque como resolvida."))
    return status, snoozed_until


def desk_zone(org_id) -> ZoneInfo:
    try:
        return ZoneInfo(DeskSettings.for_org(org_id).time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("America/Sao_Paulo")


def snooze_until(org_id, choice: str = "", typed: str = "",
                 now: datetime | None = None) -> datetime | None:
    """The time a quick choice or a typed `datetime-local` value means, in the shop's zone
    (the attendant's wall clock); None when neither was given or it cannot be read."""
    now = now or timezone.now()
    zone = desk_zone(org_id)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "tomorrow9":
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(9, 0), tzinfo=zone)
    if typed:
        try:
            moment = datetime.fromisoformat(typed.strip()[:32])
        except ValueError:
            raise StatusRefused("snooze_needs_time", _(
                "Não entendi esse horário: escolha data e hora.")) from None
        return moment.replace(tzinfo=zone) if timezone.is_naive(moment) else moment
    return None


def do_change_status(chat: Conversation, status: str, actor=None,
                     snoozed_until: datetime | None = None, *,
                     actor_name: str | None = None) -> bool:
    """Set the chat's status; records who did it and tells every tab. False if unchanged.
    `actor_name` names an actor that is no user (an API key)."""
    status, snoozed_until = check_status(status, snoozed_until)
    with serialized_writes(), transaction.atomic():
        current = Conversation.objects.select_for_update().get(pk=chat.pk)
        if current.status == status and current.snoozed_until == snoozed_until:
            _copy(chat, current)
            return False
        now = timezone.now()
        Conversation.objects.filter(pk=chat.pk).update(
            status=status, snoozed_until=snoozed_until, status_changed_at=now)
        data = {"from": current.status, "to": status}
        if snoozed_until is not None:
            data["until"] = snoozed_until.isoformat()
        event = ConversationEvent.objects.create(
            org_id=chat.org_id, conversation_id=chat.pk, kind=ConversationEvent.Kind.STATUS,
            actor=actor, actor_name=name_of(actor) if actor_name is None else actor_name,
            data=data, created_at=now)
        realtime.publish_on_commit(chat.org_id, "conversation.status", {
            "conversation_id": chat.pk, "status": status, "event_id": event.pk})
    chat.status, chat.snoozed_until, chat.status_changed_at = status, snoozed_until, now
    return True


def _copy(chat: Conversation, current: Conversation) -> None:
    chat.status, chat.snoozed_until = current.status, current.snoozed_until
    chat.status_changed_at = current.status_changed_at


def do_wake_snoozed(now: datetime | None = None, limit: int = 200) -> int:
    """Open again every chat whose snooze is over; how many woke."""
    now = now or timezone.now()
    woken = 0
    due = list(Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
               .order_by("snoozed_until").values_list("pk", "org_id")[:limit])
    for pk, org_id in due:
        with serialized_writes(), transaction.atomic():
            # Only if still due: an attendant or the customer may have changed it meanwhile.
            if not Conversation.objects.filter(pk=pk, status=Status.SNOOZED,
                                               snoozed_until__lte=now).update(
                    status=Status.OPEN, snoozed_until=None, status_changed_at=now):
                continue
            event = ConversationEvent.objects.create(
                org_id=org_id, conversation_id=pk, kind=ConversationEvent.Kind.STATUS,
                data={"from": Status.SNOOZED, "to": Status.OPEN, "reason": "snooze_ended"},
                created_at=now)
            realtime.publish_on_commit(org_id, "conversation.status", {
                "conversation_id": pk, "status": Status.OPEN, "event_id": event.pk})
            woken += 1
    return woken
