"""The desk's figures for a period: how fast the shop answers and resolves, how chats stand,
when customers write, and what each attendant did.

An opening is a customer's first message in a chat ever, or the first after the chat was
resolved; every figure about speed starts there. Its first response is the shop's next
message to that chat (the away message does not count, nor a send that failed) before the
chat is resolved; its resolution, the next change of the chat to "resolved". Openings in the
period count, even if answered or resolved after it. Days and hours are the organization's
(`DeskSettings.time_zone`). Computed in Python from a few queries over the period's chats,
so it reads alike on SQLite and PostgreSQL.
"""

import csv
import io
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ponte.accounts.models import Member
from ponte.conversations.models import Conversation, Message, MessageStatus
from ponte.desk.hours import WEEKDAYS, zone_or_default
from ponte.desk.models import AwayReply, ConversationEvent, DeskSettings
from ponte.errors import Refused

MAX_DAYS = 366
STATUSES = tuple(Conversation.Status)


class PeriodRefused(Refused):
    status = 400


@dataclass(frozen=True)
class Spread:
    """Durations in seconds: how many, the median and the 90th percentile (None if none)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: list[float]) -> "Spread":
        ordered = sorted(seconds)
        return cls(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))


@dataclass
class AttendantFigures:
    user_id: int
    name: str
    assigned: int = 0
    sent: int = 0
    first_response: Spread = field(default_factory=lambda: Spread(0, None, None))


@dataclass
class Summary:
    first: date
    last: date
    time_zone: str
    openings: int
    first_response: Spread  # count: openings answered
    resolution: Spread  # count: openings resolved
    by_status: dict[str, int]
    customer_messages: int
    by_hour: list[int]  # 0..23, the organization's hours
    by_weekday: list[int]  # Monday first
    attendants: list[AttendantFigures]


def percentile(ordered: list[float], p: float) -> float | None:
    """Linear between the closest ranks (as `statistics.quantiles(method="inclusive")`)."""
    if not ordered:
        return None
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def check_period(first_raw: str | None, last_raw: str | None, today: date) -> tuple[date, date]:
    """From and to (inclusive) as dates; the last 7 days when both are blank."""
    if not (first_raw or "").strip() and not (last_raw or "").strip():
        return today - timedelta(days=6), today
    first, last = _date(first_raw, "from"), _date(last_raw, "to")
    if last < first:
        raise PeriodRefused("period_backwards", _(
            "O período termina antes de começar: escolha uma data final igual ou depois da "
            "inicial."))
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodRefused("period_too_long", _(
            "O período pode ter até %(n)d dias; escolha datas mais próximas.") % {"n": MAX_DAYS})
    return first, last


def _date(raw: str | None, which: str) -> date:
    text = (raw or "").strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    words = (_("A data inicial “%(typed)s” não é uma data válida; use aaaa-mm-dd.")
             if which == "from" else
             _("A data final “%(typed)s” não é uma data válida; use aaaa-mm-dd."))
    raise PeriodRefused("invalid_date", words % {"typed": text[:20]})


def org_zone(org_id) -> ZoneInfo:
    return zone_or_default(DeskSettings.for_org(org_id).time_zone)


def summary(org_id, first: date, last: date) -> Summary:
    zone = org_zone(org_id)
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    in_period = Message.objects.filter(org_id=org_id, engine_timestamp__gte=start,
                                       engine_timestamp__lt=end)
    customer = list(in_period.filter(direction=Message.Direction.INBOUND)
                    .order_by("conversation_id", "engine_timestamp", "pk")
                    .values_list("conversation_id", "engine_timestamp"))
    chats = in_period.filter(direction=Message.Direction.INBOUND).values("conversation_id")

    openings, responses, resolutions = _openings(org_id, customer, chats, start)
    first_seconds = [seconds for seconds, _who in responses.values()]
    by_hour, by_weekday = [0] * 24, [0] * 7
    for _chat, when in customer:
        local = when.astimezone(zone)
        by_hour[local.hour] += 1
        by_weekday[local.weekday()] += 1
    active = Conversation.objects.filter(org_id=org_id, pk__in=in_period.values("conversation_id"))
    counted = dict(active.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return Summary(
        first=first, last=last, time_zone=str(zone), openings=len(openings),
        first_response=Spread.of(first_seconds),
        resolution=Spread.of(list(resolutions.values())),
        by_status={status.value: counted.get(status.value, 0) for status in STATUSES},
        customer_messages=len(customer), by_hour=by_hour, by_weekday=by_weekday,
        attendants=_attendants(org_id, start, end, active, responses))


def _openings(org_id, customer: list, chats, start: datetime):
    """Each opening in the period as (chat, time); its first response as (seconds, sender id)
    and its resolution in seconds, keyed by the opening."""
    before = dict(Message.objects.filter(org_id=org_id, direction=Message.Direction.INBOUND,
                                         conversation_id__in=chats, engine_timestamp__lt=start)
                  .values("conversation_id").annotate(last=Max("engine_timestamp"))
                  .values_list("conversation_id", "last"))
    resolved = defaultdict(list)
    for chat, when in (ConversationEvent.objects
                       .filter(org_id=org_id, conversation_id__in=chats,
                               kind=ConversationEvent.Kind.STATUS, data__to="resolved")
                       .order_by("created_at").values_list("conversation_id", "created_at")):
        resolved[chat].append(when)
    away = AwayReply.objects.filter(org_id=org_id, message__isnull=False).values("message_id")
    answers = defaultdict(list)
    for chat, when, who in (Message.objects
                            .filter(org_id=org_id, direction=Message.Direction.OUTBOUND,
                                    conversation_id__in=chats, engine_timestamp__gte=start)
                            .exclude(status=MessageStatus.FAILED).exclude(pk__in=away)
                            .order_by("engine_timestamp", "pk")
                            .values_list("conversation_id", "engine_timestamp", "sent_by_id")):
        answers[chat].append((when, who))
    sent_times = {chat: [when for when, _who in sent] for chat, sent in answers.items()}

    openings, responses, resolutions = [], {}, {}
    previous: dict[int, datetime | None] = {}
    for chat, when in customer:
        prior = previous.get(chat, before.get(chat))
        previous[chat] = when
        closes = resolved[chat]
        if prior is not None and bisect_right(closes, when) == bisect_right(closes, prior):
            continue  # no resolution since the customer's previous message: the same opening
        opening = (chat, when)
        openings.append(opening)
        following = closes[bisect_right(closes, when):]
        resolved_at = following[0] if following else None
        if resolved_at is not None:
            resolutions[opening] = (resolved_at - when).total_seconds()
        sent = answers[chat]
        at = bisect_right(sent_times.get(chat, []), when)
        if at < len(sent) and (resolved_at is None or sent[at][0] <= resolved_at):
            responses[opening] = ((sent[at][0] - when).total_seconds(), sent[at][1])
    return openings, responses, resolutions


def _attendants(org_id, start: datetime, end: datetime, active, responses: dict
                ) -> list[AttendantFigures]:
    """Every member: chats assigned to them in the period (by an assignment then, or theirs
    now and active then), messages they sent, the median of the first responses they gave."""
    members = Member.objects.filter(org_id=org_id).select_related("user").order_by("user__email")
    rows = {m.user_id: AttendantFigures(m.user_id, m.user.get_full_name() or m.user.email
                                        or m.user.username) for m in members}
    chats_of: dict[int, set[int]] = defaultdict(set)
    for chat, data in (ConversationEvent.objects
                       .filter(org_id=org_id, kind=ConversationEvent.Kind.ASSIGNED,
                               created_at__gte=start, created_at__lt=end)
                       .values_list("conversation_id", "data")):
        if isinstance(data, dict) and isinstance(data.get("to_id"), int):
            chats_of[data["to_id"]].add(chat)
    for chat, user_id in active.filter(assignee__isnull=False).values_list("pk", "assignee_id"):
        chats_of[user_id].add(chat)
    sent = Counter(dict(
        Message.objects.filter(org_id=org_id, direction=Message.Direction.OUTBOUND,
                               sent_by__isnull=False, engine_timestamp__gte=start,
                               engine_timestamp__lt=end)
        .values_list("sent_by_id").annotate(n=Count("pk")).values_list("sent_by_id", "n")))
    given = defaultdict(list)
    for seconds, who in responses.values():
        if who is not None:
            given[who].append(seconds)
    for user_id, row in rows.items():
        row.assigned = len(chats_of.get(user_id, ()))
        row.sent = sent.get(user_id, 0)
        row.first_response = Spread.of(given.get(user_id, []))
    return list(rows.values())


def duration_text(seconds: float | None) -> str:
    """A duration for a person, in pt-BR: "45 s", "12 min", "2 h 05 min", "3 d 4 h"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return _("%(n)d s") % {"n": whole}
    minutes = round(whole / 60)
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return ngettext("%(d)d dia %(h)d h", "%(d)d dias %(h)d h", days) % {"d": days, "h": hours}


def _minutes(seconds: float | None) -> str:
    """Minutes with a decimal comma, as a Brazilian spreadsheet reads them ("" if none)."""
    return "" if seconds is None else f"{seconds / 60:.1f}".replace(".", ",")


def _cell(value) -> str:
    """A name as a spreadsheet shows it, never as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def status_names() -> dict[str, str]:
    return {status.value: str(status.label) for status in STATUSES}


def csv_text(found: Summary) -> str:
    """The figures as a CSV Excel opens in Brazil: `;` between cells, UTF-8 with a BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    rows = csv.writer(out, delimiter=";", lineterminator="\r\n")
    rows.writerow([_("Relatório de atendimento"), found.first.strftime("%d/%m/%Y"),
                   found.last.strftime("%d/%m/%Y"), found.time_zone])
    rows.writerow([])
    rows.writerow([_("Indicador"), _("Valor")])
    rows.writerows([
        [_("Aberturas de conversa"), found.openings],
        [_("Aberturas respondidas"), found.first_response.count],
        [_("Primeira resposta, mediana (min)"), _minutes(found.first_response.median)],
        [_("Primeira resposta, p90 (min)"), _minutes(found.first_response.p90)],
        [_("Aberturas resolvidas"), found.resolution.count],
        [_("Tempo de resolução, mediana (min)"), _minutes(found.resolution.median)],
        [_("Tempo de resolução, p90 (min)"), _minutes(found.resolution.p90)],
        [_("Mensagens de clientes"), found.customer_messages],
    ])
    rows.writerow([])
    rows.writerow([_("Situação atual"), _("Conversas")])
    names = status_names()
    rows.writerows([[names[status], n] for status, n in found.by_status.items()])
    rows.writerow([])
    rows.writerow([_("Hora do dia"), _("Mensagens de clientes")])
    rows.writerows([[f"{hour:02d}h", n] for hour, n in enumerate(found.by_hour)])
    rows.writerow([])
    rows.writerow([_("Dia da semana"), _("Mensagens de clientes")])
    rows.writerows([[str(WEEKDAYS[day]), n] for day, n in enumerate(found.by_weekday)])
    rows.writerow([])
    rows.writerow([_("Atendente"), _("Conversas atribuídas"), _("Mensagens enviadas"),
                   _("Primeira resposta, mediana (min)")])
    rows.writerows([[_cell(a.name), a.assigned, a.sent, _minutes(a.first_response.median)]
                    for a in found.attendants])
    return out.getvalue()
