"""An organization's labels managed in Settings and the API: create, rename, recolour, delete.

Putting labels on chats is `labels.do_set_labels`; this module keeps the list itself.
A change tells every open tab ("labels.changed") so the chips in open chats redraw.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponte import realtime
from ponte.desk.labels import check_label_names
from ponte.desk.models import DEFAULT_COLOUR, Label
from ponte.errors import Refused

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# Dark enough for white text (contrast at least 4.5:1), and told apart by name too.
PALETTE = (("#b91c1c", gettext_lazy("vermelho")), ("#c2410c", gettext_lazy("laranja")),
           ("#a16207", gettext_lazy("mostarda")), ("#15803d", gettext_lazy("verde")),
           ("#0f766e", gettext_lazy("verde-água")), ("#1d4ed8", gettext_lazy("azul")),
           ("#6d28d9", gettext_lazy("roxo")), ("#be185d", gettext_lazy("rosa")),
           ("#64748b", gettext_lazy("cinza")))


class LabelRefused(Refused):
    status = 422


class LabelTaken(Refused):
    status = 409


def check_label_name(name: str) -> str:
    try:
        return check_label_names([name])[0]
    except Refused as exc:
        raise LabelRefused(exc.code, exc.detail) from None


def check_colour(colour: str | None) -> str:
    colour = (colour or DEFAULT_COLOUR).strip()
    if not _COLOUR.fullmatch(colour):
        raise LabelRefused("label_colour", _(
            "A cor é escrita como #rrggbb, por exemplo #1d4ed8."))
    return colour.lower()


def ink(colour: str) -> str:
    """Black or white: whichever reads better on `colour` (WCAG relative luminance)."""
    if not _COLOUR.fullmatch(colour or ""):
        return "#ffffff"
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white (1.05 / (L + 0.05)) against black ((L + 0.05) / 0.05).
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111111"


def _taken(name: str) -> LabelTaken:
    return LabelTaken("label_taken", _(
        "Já existe uma etiqueta chamada “%(name)s”: escolha outro nome.") % {"name": name})


def _check_free(org_id, name: str, exclude_pk: int | None = None) -> None:
    same = Label.objects.filter(org_id=org_id).annotate(lower=Lower("name")).filter(
        lower=name.lower())
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise _taken(name)


def _changed(org_id) -> None:
    realtime.publish_on_commit(org_id, "labels.changed", {})


def do_create_label(org_id, name: str, colour: str | None = None) -> Label:
    name, colour = check_label_name(name), check_colour(colour)
    _check_free(org_id, name)
    try:
        with transaction.atomic():
            label = Label.objects.create(org_id=org_id, name=name, colour=colour)
            _changed(org_id)
            return label
    except IntegrityError:
        raise _taken(name) from None


def do_update_label(label: Label, name: str | None = None, colour: str | None = None) -> Label:
    """Rename or recolour: every chat carrying it shows the new name at once."""
    name = label.name if name is None else check_label_name(name)
    colour = label.colour if colour is None else check_colour(colour)
    _check_free(label.org_id, name, exclude_pk=label.pk)
    label.name, label.colour = name, colour
    try:
        with transaction.atomic():
            label.save(update_fields=["name", "colour"])
            _changed(label.org_id)
    except IntegrityError:
        raise _taken(name) from None
    return label


@transaction.atomic
def do_delete_label(label: Label) -> int:
    """Delete the label and take it off every chat; how many chats carried it."""
    carried = label.conversationlabel_set.count()
    label.delete()
    _changed(label.org_id)
    return carried


def labels_with_counts(org_id):
    """The organization's labels by name, each with `chats`: how many conversations carry it."""
    return (Label.objects.filter(org_id=org_id).annotate(chats=Count("conversationlabel"))
            .order_by(Lower("name"), "pk"))
