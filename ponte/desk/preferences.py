"""Changing how an organization runs its desk: who sees which chats, the round-robin, the
away message, its hours, holidays and time zone. Checked whole before anything is stored."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.conversations.outbound import MAX_TEXT
from ponte.desk.hours import MAX_INTERVALS, WEEKDAYS, national_holidays, parse_time
from ponte.desk.models import DeskSettings
from ponte.errors import Refused

MAX_HOLIDAYS = 200
BRAZIL_ZONES = ("America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Recife",
                "America/Maceio", "America/Belem", "America/Araguaina", "America/Santarem",
                "America/Manaus", "America/Cuiaba", "America/Campo_Grande",
                "America/Porto_Velho", "America/Boa_Vista", "America/Rio_Branco",
                "America/Eirunepe", "America/Noronha")


class DeskSettingsRefused(Refused):
    status = 422


@dataclass
class DayHours:
    """One weekday as typed in the form: closed, or one or two `HH:MM` intervals."""

    closed: bool
    intervals: list[tuple[str, str]]  # blank pairs are ignored


def check_hours(days: dict[int, DayHours]) -> dict[str, list[list[str]]]:
    """The week as stored: `{"0": [["09:00", "12:00"], ["13:00", "18:00"]], …}`, closed days
    absent. Each interval ends after it starts, and a day's second one after its first."""
    week: dict[str, list[list[str]]] = {}
    for day in range(7):
        typed = days.get(day)
        if typed is None or typed.closed:
            continue
        name = str(WEEKDAYS[day])
        kept = []
        for start_raw, end_raw in typed.intervals:
            start_raw, end_raw = (start_raw or "").strip(), (end_raw or "").strip()
            if not start_raw and not end_raw:
                continue
            if not start_raw or not end_raw:
                raise DeskSettingsRefused("incomplete_interval", _(
                    "%(day)s: preencha o início e o fim do horário, ou deixe os dois em "
                    "branco.") % {"day": name})
            start, end = _time(name, start_raw), _time(name, end_raw)
            if end <= start:
                raise DeskSettingsRefused("interval_backwards", _(
                    "%(day)s: o horário precisa terminar depois de começar (%(start)s–%(end)s). "
                    "Para ficar aberto depois da meia-noite, use o horário do dia seguinte.")
                    % {"day": name, "start": _hhmm(start), "end": _hhmm(end)})
            if kept and start < parse_time(kept[-1][1]):
                raise DeskSettingsRefused("intervals_overlap", _(
                    "%(day)s: o segundo horário precisa começar depois do fim do primeiro "
                    "(%(end)s).") % {"day": name, "end": kept[-1][1]})
            kept.append([_hhmm(start), _hhmm(end)])
        if len(kept) > MAX_INTERVALS:
            raise DeskSettingsRefused("too_many_intervals", _(
                "%(day)s: no máximo dois horários por dia.") % {"day": name})
        if not kept:
            raise DeskSettingsRefused("no_interval", _(
                "%(day)s: informe o horário de funcionamento ou marque o dia como "
                "fechado.") % {"day": name})
        week[str(day)] = kept
    return week


def _time(day_name: str, raw: str):
    try:
        return parse_time(raw)
    except ValueError:
        raise DeskSettingsRefused("invalid_time", _(
            "%(day)s: “%(typed)s” não é um horário. Use HH:MM, como 09:00 ou 18:30.")
            % {"day": day_name, "typed": raw[:10]}) from None


def _hhmm(value) -> str:
    return value.strftime("%H:%M")


def check_time_zone(name: str) -> str:
    name = (name or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeskSettingsRefused("invalid_time_zone", _(
            "Fuso horário desconhecido: “%(typed)s”. Escolha um da lista, como "
            "America/Sao_Paulo.") % {"typed": name[:64]}) from None
    return name


def check_away(enabled: bool, text: str) -> str:
    text = (text or "").strip()
    if enabled and not text:
        raise DeskSettingsRefused("away_text_blank", _(
            "Escreva a mensagem de ausência para ativá-la."))
    if len(text) > MAX_TEXT:
        raise DeskSettingsRefused("away_text_too_long", _(
            "A mensagem de ausência pode ter até %(n)d caracteres; encurte o texto.")
            % {"n": MAX_TEXT})
    return text


def check_holiday(raw: str) -> date:
    """A date typed as `aaaa-mm-dd` (the date field's form) or `dd/mm/aaaa`."""
    text = (raw or "").strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise DeskSettingsRefused("invalid_holiday", _(
        "“%(typed)s” não é uma data. Escolha no calendário ou escreva dd/mm/aaaa.")
        % {"typed": text[:20]})


def check_desk_changes(*, agents_see_all: bool, round_robin: bool, away_enabled: bool,
                       away_text: str, time_zone: str, days: dict[int, DayHours]) -> dict:
    """The settings form's fields as the values to store; DeskSettingsRefused names a problem."""
    return {"agents_see_all": agents_see_all, "round_robin": round_robin,
            "away_enabled": away_enabled, "away_text": check_away(away_enabled, away_text),
            "time_zone": check_time_zone(time_zone), "business_hours": check_hours(days)}


def do_update_desk_settings(org_id, changes: dict) -> DeskSettings:
    with transaction.atomic():
        desk, _created = DeskSettings.objects.select_for_update().get_or_create(org_id=org_id)
        for name, value in changes.items():
            setattr(desk, name, value)
        desk.save()
        realtime.publish_on_commit(org_id, "desk.settings", {})
    return desk


def do_change_holidays(org_id, *, add: list[date] = (), remove: list[date] = ()) -> DeskSettings:
    """Add and remove holidays; the list stays sorted, each date once."""
    with transaction.atomic():
        desk, _created = DeskSettings.objects.select_for_update().get_or_create(org_id=org_id)
        days = (set(desk.holidays or []) | {d.isoformat() for d in add}) \
            - {d.isoformat() for d in remove}
        if len(days) > MAX_HOLIDAYS:
            raise DeskSettingsRefused("too_many_holidays", _(
                "No máximo %(n)d feriados: remova os de anos que já passaram.")
                % {"n": MAX_HOLIDAYS})
        desk.holidays = sorted(days)
        desk.save(update_fields=["holidays"])
        realtime.publish_on_commit(org_id, "desk.settings", {})
    return desk


def do_add_national_holidays(org_id, year: int) -> DeskSettings:
    return do_change_holidays(org_id, add=[day for day, _name in national_holidays(year)])


def holiday_names(days: list[str]) -> list[tuple[date, str]]:
    """The stored holidays as dates, each with its national holiday's name when it is one."""
    known: dict[date, str] = {}
    parsed = []
    for raw in days:
        try:
            parsed.append(date.fromisoformat(raw))
        except ValueError:
            continue
    for year in {d.year for d in parsed}:
        known.update(national_holidays(year))
    return [(day, known.get(day, "")) for day in sorted(parsed)]
