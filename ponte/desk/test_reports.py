"""The desk's reports, against figures worked out by hand from a seeded week of chats."""

import csv
import io
import statistics
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Contact, Conversation, Message
from ponte.desk.models import AwayReply, ConversationEvent, DeskSettings
from ponte.desk.reports import (
    PeriodRefused,
    check_period,
    csv_text,
    duration_text,
    percentile,
    summary,
)

pytestmark = pytest.mark.django_db
SP = ZoneInfo("America/Sao_Paulo")
WEEK = (date(2026, 11, 9), date(2026, 11, 15))  # Monday to Sunday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SP)


class History:
    """A shop's chats written message by message, each at the time given (São Paulo)."""

    def __init__(self, tenant):
        self.tenant = tenant
        users = get_user_model().objects
        self.owner = users.get(username=tenant.owner_email)
        self.bia = users.create_user(username="bia@loja.test", email="bia@loja.test",
                                     first_name="Bia", last_name="Souza")
        Member.objects.create(org=tenant.org, user=self.bia, role=Role.AGENT)

    def chat(self, phone: str, status: str = "open", assignee=None) -> Conversation:
        contact = Contact.objects.create(org=self.tenant.org, e164=phone)
        return Conversation.objects.create(org=self.tenant.org, instance=self.tenant.instance,
                                           contact=contact, status=status, assignee=assignee)

    def says(self, chat, when: str, direction: str = "in", by=None, **fields) -> Message:
        return Message.objects.create(org=self.tenant.org, instance=self.tenant.instance,
                                      conversation=chat, direction=direction, text="…",
                                      engine_timestamp=at(when), sent_by=by, **fields)

    def answers(self, chat, when: str, by=None, **fields) -> Message:
        return self.says(chat, when, "out", by, **fields)

    def resolves(self, chat, when: str) -> None:
        ConversationEvent.objects.create(org=self.tenant.org, conversation=chat, kind="status",
                                         data={"from": "open", "to": "resolved"},
                                         created_at=at(when))

    def assigns(self, chat, when: str, user) -> None:
        ConversationEvent.objects.create(org=self.tenant.org, conversation=chat, kind="assigned",
                                         data={"from_id": None, "to_id": user.pk,
                                               "to_name": user.first_name},
                                         created_at=at(when))


@pytest.fixture
def week(make_tenant):
    """Four chats in the week of 9 to 15 November 2026, and some around it."""
    h = History(make_tenant())
    ana = h.chat("+5531900000001")
    h.says(ana, "2026-11-09T09:00")  # opening 1
    h.says(ana, "2026-11-09T09:02")
    h.assigns(ana, "2026-11-09T09:05", h.bia)
    h.answers(ana, "2026-11-09T09:10", h.bia)  # 10 min
    h.resolves(ana, "2026-11-09T10:00")  # 60 min
    h.says(ana, "2026-11-09T14:00")  # opening 2: after the resolution
    h.answers(ana, "2026-11-09T14:30", h.owner)  # 30 min, never resolved

    bruno = h.chat("+5531900000002", status="resolved")
    h.says(bruno, "2026-11-10T20:00")  # opening 3, at night
    away = h.answers(bruno, "2026-11-10T20:00:05")  # the away message: not an answer
    AwayReply.objects.create(org=h.tenant.org, conversation=bruno, absence="x", message=away)
    h.answers(bruno, "2026-11-10T20:01", h.bia, status="failed")  # never left: not an answer
    h.assigns(bruno, "2026-11-11T08:55", h.bia)
    h.answers(bruno, "2026-11-11T09:00", h.bia)  # 780 min
    h.resolves(bruno, "2026-11-11T09:30")  # 810 min

    caio = h.chat("+5531900000003")
    h.says(caio, "2026-11-05T10:00")  # before the week
    h.answers(caio, "2026-11-05T10:05", h.owner)
    h.says(caio, "2026-11-11T11:00")  # not an opening: never resolved since
    h.answers(caio, "2026-11-11T11:20", h.owner)
    h.resolves(caio, "2026-11-12T12:00")
    h.says(caio, "2026-11-12T15:00")  # opening 4, never answered

    dora = h.chat("+5531900000004", status="resolved", assignee=h.bia)
    h.says(dora, "2026-11-14T23:30")  # opening 5: Saturday night here, Sunday in UTC
    h.answers(dora, "2026-11-14T23:35", h.bia)  # 5 min
    h.resolves(dora, "2026-11-14T23:40")  # 10 min

    h.says(h.chat("+5531900000005", status="pending"), "2026-11-16T10:00")  # after the week
    return h


MIN = 60


def test_first_response_and_resolution_times_by_opening(week):
    found = summary(week.tenant.org.pk, *WEEK)

    answered = [10 * MIN, 30 * MIN, 780 * MIN, 5 * MIN]
    resolved = [60 * MIN, 810 * MIN, 10 * MIN]
    assert found.openings == 5
    assert found.first_response.count == 4
    assert found.first_response.median == statistics.median(answered) == 20 * MIN
    assert found.first_response.p90 == pytest.approx(
        statistics.quantiles(answered, n=10, method="inclusive")[8])
    assert found.first_response.p90 == pytest.approx(555 * MIN)
    assert found.resolution.count == 3
    assert found.resolution.median == statistics.median(resolved) == 60 * MIN
    assert found.resolution.p90 == pytest.approx(
        statistics.quantiles(resolved, n=10, method="inclusive")[8])
    assert found.resolution.p90 == pytest.approx(660 * MIN)


def test_customer_messages_by_hour_and_weekday_in_the_shops_time_zone(week):
    found = summary(week.tenant.org.pk, *WEEK)

    assert found.customer_messages == 7
    hours = {hour: n for hour, n in enumerate(found.by_hour) if n}
    assert hours == {9: 2, 11: 1, 14: 1, 15: 1, 20: 1, 23: 1}
    assert found.by_weekday == [3, 1, 1, 1, 0, 1, 0]  # Dora wrote on Saturday, 23:30 here


def test_conversations_active_in_the_period_by_their_status_now(week):
    found = summary(week.tenant.org.pk, *WEEK)
    assert found.by_status == {"open": 2, "pending": 0, "snoozed": 0, "resolved": 2}


def test_per_attendant_chats_messages_and_median_first_response(week):
    found = summary(week.tenant.org.pk, *WEEK)

    rows = {row.name: row for row in found.attendants}
    bia, owner = rows["Bia Souza"], rows[week.owner.email]
    assert (bia.assigned, bia.sent) == (3, 4), "Ana and Bruno by assignment, Dora hers now"
    assert bia.first_response.median == statistics.median([10 * MIN, 780 * MIN, 5 * MIN])
    assert (owner.assigned, owner.sent) == (0, 2)
    assert owner.first_response.median == 30 * MIN


def test_the_time_zone_moves_the_days_of_the_period(week):
    DeskSettings.objects.create(org=week.tenant.org, time_zone="UTC")
    found = summary(week.tenant.org.pk, *WEEK)
    assert found.by_weekday[5:] == [0, 1], "23:30 in São Paulo is Sunday 02:30 in UTC"
    assert found.by_hour[2] == 1


def test_an_empty_period_has_no_medians():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0


def test_period_is_checked_and_defaults_to_the_last_seven_days():
    today = date(2026, 12, 7)
    assert check_period("", None, today) == (date(2026, 12, 1), today)
    assert check_period("2026-11-01", "30/11/2026", today) == (date(2026, 11, 1),
                                                               date(2026, 11, 30))
    for first, last, code in [("2026-11-30", "2026-11-01", "period_backwards"),
                              ("2025-01-01", "2026-11-01", "period_too_long"),
                              ("ontem", "2026-11-01", "invalid_date"),
                              ("2026-11-01", "", "invalid_date")]:
        with pytest.raises(PeriodRefused) as refused:
            check_period(first, last, today)
        assert refused.value.code == code and refused.value.status == 400


def test_durations_read_as_a_person_says_them():
    assert [duration_text(s) for s in (None, 42, 12 * MIN, 125 * MIN, 27 * 3600)] == [
        "—", "42 s", "12 min", "2 h 05 min", "1 dia 3 h"]


def test_the_csv_opens_in_a_brazilian_excel(week):
    week.bia.first_name = "=HYPERLINK(1)"
    week.bia.save()
    text = csv_text(summary(week.tenant.org.pk, *WEEK))

    assert text.startswith("\ufeffRelatório de atendimento;09/11/2026;15/11/2026")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    figures = {row[0]: row[1] for row in rows if len(row) == 2}
    assert figures["Aberturas de conversa"] == "5"
    assert figures["Primeira resposta, mediana (min)"] == "20,0"
    assert figures["Tempo de resolução, p90 (min)"] == "660,0"
    assert figures["Resolvida"] == "2" and figures["09h"] == "2"
    assert figures["Sábado"] == "1"
    [bia] = [row for row in rows if row and row[0].startswith("'=HYP")]
    assert bia[1:] == ["3", "4", "10,0"]


def test_a_long_period_reads_in_few_queries(week, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        summary(week.tenant.org.pk, WEEK[0] - timedelta(days=300), WEEK[1])
