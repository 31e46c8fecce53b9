"""Changing an organization's reminder settings: checked as typed, then stored whole."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ponte.marketing.models import RecallSettings
from ponte.marketing.wording import TemplateRefused, check_template

DAY_FIELDS = ("cashback_window_days", "inactivity_days_1", "inactivity_days_2",
              "inactivity_days_3")
TEMPLATE_FIELDS = ("template_cashback", "template_inactivity", "template_birthday")
MAX_DAYS = 3650
MAX_TEMPLATE = 1000


class RecallSettingsRefused(ValueError):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field, self.detail = field, detail


def _money(text: str) -> Decimal:
    """"10", "10,50", "R$ 1.234,56" or "10.50"."""
    cleaned = text.replace("R$", "").strip()
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise RecallSettingsRefused("cashback_minimum", _(
            "Valor mínimo inválido: escreva como 10,00.")) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise RecallSettingsRefused("cashback_minimum", _("Valor mínimo inválido: escreva "
                                                          "como 10,00."))
    return value.quantize(Decimal("0.01"))


def check_recall_settings(raw: dict[str, str]) -> dict:
    """The settings as typed in the page or the API, each checked; refused with its field."""
    changes: dict = {"cashback_minimum": _money(str(raw.get("cashback_minimum", "")))}
    for name in DAY_FIELDS:
        text = str(raw.get(name, "")).strip()
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_DAYS):
            raise RecallSettingsRefused(name, _("Dias inválidos: use um número de 1 a "
                                                "%(max)d.") % {"max": MAX_DAYS})
        changes[name] = int(text)
    changes["birthday_enabled"] = bool(raw.get("birthday_enabled"))
    for name in TEMPLATE_FIELDS:
        text = str(raw.get(name, "")).strip()
        if len(text) > MAX_TEMPLATE:
            raise RecallSettingsRefused(name, _("Mensagem longa demais: até %(max)d "
                                                "caracteres.") % {"max": MAX_TEMPLATE})
        try:
            changes[name] = check_template(text)
        except TemplateRefused as exc:
            raise RecallSettingsRefused(name, str(exc)) from None
    return changes


def do_update_recall_settings(org_id, changes: dict) -> RecallSettings:
    settings, _created = RecallSettings.objects.update_or_create(org_id=org_id, defaults=changes)
    return settings
