"""The shop's ERP data for integrators: customers and sales, upserted by the ERP's own ids.

PUT replaces one record (idempotent: the same body twice is `unchanged`); the bulk
endpoints take up to 10,000 items and answer per item, a bad item never stopping the
good ones. Every check and write is `ponte.erp.services`'.
"""

from collections import Counter
from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ponte.api import cursors
from ponte.api.erp_schemas import (
    MAX_BULK_ITEMS,
    BulkOut,
    CustomerBulkIn,
    CustomerIn,
    CustomerPage,
    CustomerPutOut,
    SaleBulkIn,
    SaleIn,
    SalePage,
    SalePutOut,
)
from ponte.api.erp_schemas import CustomerOut as CustomerSchema
from ponte.api.erp_schemas import SaleOut as SaleSchema
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.api.schemas import PHONE, ErrorOut, InvalidPhoneOrFieldsOut
from ponte.erp.models import Customer, Sale
from ponte.erp.parsing import money_text
from ponte.erp.services import ItemResult, do_upsert_customers, do_upsert_sales
from ponte.errors import Refused
from ponte.identity import canonicalize

router = Router(tags=["erp"])


def customer_out(customer: Customer) -> dict:
    """A customer as the API shows it; money as a decimal string."""
    phones = sorted(customer.phones.all(), key=lambda phone: phone.pk)  # as sent
    return {
        "external_id": customer.external_id, "name": customer.name,
        "phones": [p.e164 for p in phones], "written": [p.written for p in phones],
        "email": customer.email, "birthday": customer.birthday, "photo_url": customer.photo_url,
        "cashback_balance": money_text(customer.cashback_balance),
        "cashback_expires_on": customer.cashback_expires_on, "notes": customer.notes,
        "marketing_opt_out": customer.marketing_opt_out,
        "created_at": customer.created_at, "updated_at": customer.updated_at,
    }


def sale_out(sale: Sale) -> dict:
    return {
        "external_id": sale.external_id, "customer_external_id": sale.customer_external_id,
        "customer_linked": sale.customer_id is not None, "date": sale.date,
        "total": money_text(sale.total), "items": sale.items, "store": sale.store,
        "status": sale.status, "created_at": sale.created_at, "updated_at": sale.updated_at,
    }


def _customers(request: HttpRequest):
    return Customer.objects.for_org(request.auth).prefetch_related("phones")


def _not_found(what: str) -> Refused:
    return Refused("not_found", what, status=404)


def _phone(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None  # a blank search field filters nothing
    identity = canonicalize(raw)
    if identity.kind != "user" or identity.e164 is None:
        raise Refused("invalid_phone", _('"%(value)s" não é um número de telefone válido.')
                      % {"value": raw[:40]})
    return identity.e164


def _item(payload, external_id: str) -> dict:
    item = payload.model_dump(exclude_unset=True)
    sent = item.pop("external_id", external_id)
    if sent != external_id:
        raise Refused("invalid", [{"field": "external_id", "message": _(
            "o external_id vem do endereço; no corpo, se vier, deve ser igual")}], status=422)
    return {**item, "external_id": external_id}


def _one(result: ItemResult) -> None:
    if result.outcome == "rejected":
        raise Refused("invalid", [{"field": p.field, "message": p.detail} for p in result.errors],
                      status=422)


def _bulk(results: list[ItemResult]) -> dict:
    counted = Counter(result.outcome for result in results)
    return {
        "results": [{"external_id": r.external_id, "outcome": r.outcome,
                     "errors": [{"field": p.field, "detail": p.detail} for p in r.errors]}
                    for r in results],
        **{outcome: counted[outcome] for outcome in ("created", "updated", "unchanged",
                                                     "rejected")},
    }


def _too_many(count: int) -> None:
    if count > MAX_BULK_ITEMS:
        raise Refused("too_many_items", _(
            "No máximo %(max)s itens por pedido; este tem %(count)s. Divida-o em partes.")
            % {"max": f"{MAX_BULK_ITEMS:,}".replace(",", "."),
               "count": f"{count:,}".replace(",", ".")}, status=413)


def _newest_first(rows, before: str | None, limit: int) -> tuple[list, str | None]:
    if before:
        rows = rows.filter(pk__lt=cursors.decode(before, (int,))[0])
    return page(list(rows.order_by("-pk")[: limit + 1]), limit, lambda row: (row.pk,))


# Before the routes taking an id: `bulk` is not a customer's id.
@router.post("/customers/bulk", response={**answers({200: BulkOut}), 413: ErrorOut})
def bulk_customers(request: HttpRequest, payload: CustomerBulkIn):
    """Create or replace up to 10,000 customers in one request, each as in PUT. The answer
    has one result per item, in order (`created`, `updated`, `unchanged`, or `rejected`
    with each field's problem), and the counts. More items is a 413 `too_many_items`."""
    _too_many(len(payload.items))
    items = [item.model_dump(exclude_unset=True) for item in payload.items]
    return _bulk(do_upsert_customers(request.auth.pk, items))


@router.post("/sales/bulk", response={**answers({200: BulkOut}), 413: ErrorOut})
def bulk_sales(request: HttpRequest, payload: SaleBulkIn):
    """Create or replace up to 10,000 sales in one request, answered per item as for
    customers. More items is a 413 `too_many_items`."""
    _too_many(len(payload.items))
    items = [item.model_dump(exclude_unset=True) for item in payload.items]
    return _bulk(do_upsert_sales(request.auth.pk, items))


@router.put("/customers/{path:external_id}", response={
    **answers({200: CustomerPutOut, 201: CustomerPutOut}), 422: InvalidPhoneOrFieldsOut})
def put_customer(request: HttpRequest, external_id: str, payload: CustomerIn):
    """Create or replace the customer with this ERP id: the body is the whole record, so a
    field left out becomes empty. 201 when created; 200 when `updated` or `unchanged`
    (the same body twice changes nothing). A field that cannot be stored is a 422
    `invalid` listing each field and why, in Portuguese: money is a decimal string
    (`"45.90"`, never a number), and every phone must be a number we can read."""
    result = do_upsert_customers(request.auth.pk, [_item(payload, external_id)])[0]
    _one(result)
    customer = _customers(request).get(external_id=external_id)
    return Status(201 if result.outcome == "created" else 200,
                  {**customer_out(customer), "outcome": result.outcome})


@router.get("/customers/{path:external_id}", response=answers({200: CustomerSchema}, 404))
def get_customer(request: HttpRequest, external_id: str):
    """One customer by its ERP id; 404 unless it belongs to your organization."""
    customer = _customers(request).filter(external_id=external_id).first()
    if customer is None:
        raise _not_found(_("Nenhum cliente com este external_id."))
    return customer_out(customer)


@router.get("/customers", response=answers({200: CustomerPage}, 400))
def list_customers(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT,
                   phone: str | None = Query(None, description=(
                       "Only customers holding this number. " + PHONE))):
    """Customers, most recently created first. With `phone`, every customer holding that
    number (two customers may share one), found whichever form either side wrote."""
    rows = _customers(request)
    e164 = _phone(phone)
    if e164:
        rows = rows.filter(phones__e164=e164)
    shown, next_before = _newest_first(rows, before, limit)
    return {"items": [customer_out(c) for c in shown], "next_before": next_before}


@router.put("/sales/{path:external_id}", response={
    **answers({200: SalePutOut, 201: SalePutOut})})
def put_sale(request: HttpRequest, external_id: str, payload: SaleIn):
    """Create or replace the sale with this ERP id (the whole record, as for customers).
    A sale may come before its customer: it is linked when that customer arrives."""
    result = do_upsert_sales(request.auth.pk, [_item(payload, external_id)])[0]
    _one(result)
    sale = Sale.objects.for_org(request.auth).get(external_id=external_id)
    return Status(201 if result.outcome == "created" else 200,
                  {**sale_out(sale), "outcome": result.outcome})


@router.get("/sales/{path:external_id}", response=answers({200: SaleSchema}, 404))
def get_sale(request: HttpRequest, external_id: str):
    """One sale by its ERP id; 404 unless it belongs to your organization."""
    sale = Sale.objects.for_org(request.auth).filter(external_id=external_id).first()
    if sale is None:
        raise _not_found(_("Nenhuma venda com este external_id."))
    return sale_out(sale)


def _sale_key(before: str) -> tuple[datetime, int]:
    return cursors.decode(before, (datetime, int))


@router.get("/sales", response=answers({200: SalePage}, 400))
def list_sales(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT,
               customer_external_id: str | None = Query(
                   None, max_length=100, description="Only this customer's sales."),
               phone: str | None = Query(None, description=(
                   "Only sales of customers holding this number. " + PHONE))):
    """Sales, newest first (by the sale's date)."""
    rows = Sale.objects.for_org(request.auth)
    if customer_external_id:
        rows = rows.filter(customer_external_id=customer_external_id)
    e164 = _phone(phone)
    if e164:
        rows = rows.filter(customer__phones__e164=e164)
    if before:
        moment, pk = _sale_key(before)
        rows = rows.filter(date__lte=moment).exclude(date=moment, pk__gte=pk)
    shown, next_before = page(list(rows.order_by("-date", "-pk")[: limit + 1]), limit,
                              lambda sale: (sale.date, sale.pk))
    return {"items": [sale_out(s) for s in shown], "next_before": next_before}
