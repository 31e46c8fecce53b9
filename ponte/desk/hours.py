"""When a shop is open: its weekly hours, its holidays and its time zone.

Pure functions over the values `DeskSettings` stores, so the away message and the settings
form read the same rules, and a test passes any moment it likes. An absence is one closed
period, named by the moment it began: from the end of the last open interval to the start of
the next, across midnights, weekends and holidays alike.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_TIME_ZONE = "America/Sao_Paulo"
WEEKDAYS = (gettext_lazy("Segunda-feira"), gettext_lazy("Terça-feira"),
            gettext_lazy("Quarta-feira"), gettext_lazy("Quinta-feira"),
            gettext_lazy("Sexta-feira"), gettext_lazy("Sábado"), gettext_lazy("Domingo"))
MAX_INTERVALS = 2  # per day: a morning and an afternoon, a lunch break between
LOOKBACK_DAYS = 400  # a year of holidays and closed days, then the day itself is the absence

Interval = tuple[time, time]


@dataclass(frozen=True)
class Hours:
    """A shop's opening rules, read from its settings."""

    week: dict[int, list[Interval]]  # 0 is Monday; a day not here is closed
    holidays: frozenset[date]
    zone: ZoneInfo

    @classmethod
    def of(cls, business_hours: dict, holidays: list, time_zone: str) -> "Hours":
        """The stored JSON read leniently: a malformed entry closes its day, never fails."""
        week = {}
        for day in range(7):
            intervals = []
            for pair in business_hours.get(str(day)) or []:
                try:
                    start, end = parse_time(pair[0]), parse_time(pair[1])
                except (TypeError, ValueError, IndexError):
                    continue
                if start < end:
                    intervals.append((start, end))
            week[day] = sorted(intervals)
        days = set()
        for raw in holidays or []:
            try:
                days.add(date.fromisoformat(str(raw)))
            except ValueError:
                continue
        return cls(week, frozenset(days), zone_or_default(time_zone))

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open intervals as aware datetimes in the shop's zone; none on a holiday."""
        if day in self.holidays:
            return []
        return [(datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone))
                for start, end in self.week.get(day.weekday(), [])]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return any(start <= local < end for start, end in self.open_intervals(local.date()))

    def absence_start(self, moment: datetime) -> datetime | None:
        """When the closed period holding `moment` began (None while open).

        The end of the last open interval before it; a shop open on none of the past
        `LOOKBACK_DAYS` days is in a new absence each day, from its midnight.
        """
        local = moment.astimezone(self.zone)
        if self.is_open(local):
            return None
        for back in range(LOOKBACK_DAYS + 1):
            day = local.date() - timedelta(days=back)
            ends = [end for _start, end in self.open_intervals(day) if end <= local]
            if ends:
                return max(ends)
        return datetime.combine(local.date(), time(0), self.zone)


def absence_key(start: datetime) -> str:
    """An absence's name: its start in ISO 8601, with the shop's UTC offset."""
    return start.isoformat(timespec="minutes")


def parse_time(raw: str) -> time:
    """`HH:MM` (24 h) as a time; ValueError for anything else."""
    text = str(raw).strip()
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2 \
            or len(hours) not in (1, 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def zone_or_default(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def national_holidays(year: int) -> list[tuple[date, str]]:
    """Brazil's national holidays of a year, with the days shops usually close beside them
    (Carnaval and Corpus Christi are optional days off for the federal service, closed by
    most shops): fixed dates by law, the movable ones from Easter."""
    sunday = easter(year)
    days = [
        (date(year, 1, 1), _("Confraternização Universal")),
        (sunday - timedelta(days=48), _("Carnaval (segunda-feira)")),
        (sunday - timedelta(days=47), _("Carnaval (terça-feira)")),
        (sunday - timedelta(days=2), _("Sexta-feira Santa")),
        (date(year, 4, 21), _("Tiradentes")),
        (date(year, 5, 1), _("Dia do Trabalho")),
        (sunday + timedelta(days=60), _("Corpus Christi")),
        (date(year, 9, 7), _("Independência do Brasil")),
        (date(year, 10, 12), _("Nossa Senhora Aparecida")),
        (date(year, 11, 2), _("Finados")),
        (date(year, 11, 15), _("Proclamação da República")),
        (date(year, 12, 25), _("Natal")),
    ]
    if year >= 2024:  # Lei 14.759/2023
        days.append((date(year, 11, 20), _("Dia Nacional de Zumbi e da Consciência Negra")))
    return sorted(days)
