"""Hidden numbers, LGPD requests and their audit trail, for integrators.

Each endpoint checks the phone and calls `ponte.privacy.services`, which erase in
one transaction and write the audit trail; the API key's name is who acted.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from ponte.api import cursors, schemas
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.privacy.models import HiddenNumber, PrivacyRecord
from ponte.privacy.services import (
    Actor,
    check_phone,
    do_erase_person,
    do_export_person,
    do_hide_number,
    do_unhide_number,
)

router = Router(tags=["privacy"])


def _actor(request: HttpRequest) -> Actor:
    # Stored as it reads in the site's language, whatever the caller's Accept-Language.
    with translation.override(settings.LANGUAGE_CODE):
        return Actor(None, _("Chave de API “%(name)s”") % {"name": request.api_key.name})


def _hidden_out(hidden: HiddenNumber) -> dict:
    return {"id": hidden.pk, "e164": hidden.e164, "note": hidden.note,
            "created_at": hidden.created_at, "created_by": hidden.created_by_name}


def _record_out(record: PrivacyRecord) -> dict:
    return {"id": record.pk, "action": record.action,
            "action_label": record.get_action_display(), "e164": record.e164,
            "actor": record.actor_name, "counts": record.counts, "created_at": record.created_at}


def _newest_first(rows, before: str | None, limit: int) -> tuple[list, str | None]:
    if before:
        legacy = cursors.legacy_id(before)
        rows = rows.filter(id__lt=legacy if legacy is not None
                           else cursors.decode(before, (int,))[0])
    return page(list(rows.order_by("-id")[: limit + 1]), limit, lambda row: (row.pk,))


def _hidden_or_404(request: HttpRequest, hidden_id: int) -> HiddenNumber:
    hidden = HiddenNumber.objects.for_org(request.auth).filter(pk=hidden_id).first()
    if hidden is None:
        raise HttpError(404, "No such hidden number.")
    return hidden


def _phone_answers(ok: dict[int, type], *errors: int) -> dict[int, type]:
    return {**answers(ok, *errors), 422: schemas.InvalidPhoneOrFieldsOut}


@router.get("/hidden-numbers", response=answers({200: schemas.HiddenNumberPage}, 400))
def list_hidden_numbers(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT):
    """Numbers hidden from the CRM, most recently hidden first."""
    rows, next_before = _newest_first(HiddenNumber.objects.for_org(request.auth), before, limit)
    return {"items": [_hidden_out(hidden) for hidden in rows], "next_before": next_before}


@router.get("/hidden-numbers/{hidden_id}",
            response=answers({200: schemas.HiddenNumberOut}, 404))
def get_hidden_number(request: HttpRequest, hidden_id: int):
    """One hidden number; 404 unless it belongs to your organization."""
    return _hidden_out(_hidden_or_404(request, hidden_id))


@router.post("/hidden-numbers", response=_phone_answers(
    {200: schemas.HiddenNumberOut, 201: schemas.HiddenNumberOut}))
def hide_number(request: HttpRequest, payload: schemas.HideIn):
    """Hide a number from the CRM: everything Ponte holds about the person is erased now,
    in one transaction, and nothing from or to it is stored again (sends are refused).

    201 with the new entry; a number already hidden is not an error: 200 with the
    existing entry (its note unchanged), after erasing again whatever slipped in.
    A phone that cannot be read is a 422 `invalid_phone`.
    """
    e164 = check_phone(payload.phone)
    hidden, created = do_hide_number(request.auth.pk, e164, _actor(request), note=payload.note)
    return Status(201 if created else 200, _hidden_out(hidden))


@router.delete("/hidden-numbers/{hidden_id}", response=answers({204: None}, 404))
def unhide_number(request: HttpRequest, hidden_id: int):
    """Unhide: the number's messages are stored again from now on. What the hide erased
    does not come back."""
    do_unhide_number(_hidden_or_404(request, hidden_id), _actor(request))
    return Status(204, None)


@router.get("/people/{phone}/export", response=_phone_answers({200: schemas.PersonExportOut}))
def export_person(request: HttpRequest, phone: str):
    """LGPD (Lei 13.709, art. 18): everything Ponte holds about the person with this
    number, as one JSON document. The phone may be in any form, URL-encoded
    (`%2B5531987654321`, `5531987654321@c.us`). Recorded in the privacy records."""
    e164 = check_phone(phone)
    return do_export_person(request.auth.pk, e164, _actor(request))


@router.delete("/people/{phone}", response=_phone_answers({200: schemas.ErasedOut}))
def erase_person(request: HttpRequest, phone: str):
    """LGPD (Lei 13.709, art. 18): erase everything Ponte holds about the person, without
    hiding the number (new messages are stored again). 200 with the rows erased by kind,
    `{}` when there were none. Recorded in the privacy records."""
    e164 = check_phone(phone)
    return {"phone": e164, "erased": do_erase_person(request.auth.pk, e164, _actor(request))}


@router.get("/privacy-records", response=answers({200: schemas.PrivacyRecordPage}, 400))
def list_privacy_records(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT):
    """The audit trail of hides, unhides, LGPD exports and erasures, and sweeps, newest
    first: who, when, and how many rows by kind, never content. It cannot be edited."""
    rows, next_before = _newest_first(PrivacyRecord.objects.for_org(request.auth), before, limit)
    return {"items": [_record_out(record) for record in rows], "next_before": next_before}


@router.get("/privacy-records/{record_id}",
            response=answers({200: schemas.PrivacyRecordOut}, 404))
def get_privacy_record(request: HttpRequest, record_id: int):
    """One privacy record; 404 unless it belongs to your organization."""
    record = PrivacyRecord.objects.for_org(request.auth).filter(pk=record_id).first()
    if record is None:
        raise HttpError(404, "No such privacy record.")
    return _record_out(record)
