"""Upserting the ERP's customers and sales: idempotent, by external id, in bulk.

Each batch is read in chunks by external id, compared in Python, and written with
bulk_create / bulk_update, so 50,000 customers cost a few hundred queries, not
100,000. An item the same as what is stored is "unchanged" and writes nothing; a
bad item is "rejected" with its problems and never stops the good ones.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.db import serialized_writes
from ponte.erp.models import Customer, CustomerPhone, Sale
from ponte.erp.records import (
    CleanCustomer,
    CleanSale,
    FieldProblem,
    check_customer,
    check_sale,
    item_external_id,
)

__all__ = ["FieldProblem", "ItemResult", "do_upsert_customers", "do_upsert_sales"]

CHUNK = 1000
CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
CUSTOMER_VALUES = ("name", "email", "birthday", "photo_url", "cashback_balance",
                   "cashback_expires_on", "notes", "marketing_opt_out")
SALE_VALUES = ("customer_external_id", "date", "total", "items", "store", "status")


@dataclass
class ItemResult:
    external_id: str
    outcome: str  # "created" | "updated" | "unchanged" | "rejected"
    errors: list[FieldProblem] = field(default_factory=list)


def do_upsert_customers(org_id, items: list[dict]) -> list[ItemResult]:
    """Create or replace each customer (PUT semantics); results in the items' order."""
    results, clean = _checked(items, check_customer)
    for chunk in _chunks(clean):
        _retrying(lambda chunk=chunk: _upsert_customer_chunk(org_id, chunk, results))
    return results


def do_upsert_sales(org_id, items: list[dict]) -> list[ItemResult]:
    """Create or replace each sale, linked to its customer when the ERP sent that one already."""
    results, clean = _checked(items, check_sale)
    for chunk in _chunks(clean):
        _retrying(lambda chunk=chunk: _upsert_sale_chunk(org_id, chunk, results))
    return results


def _checked(items: list[dict], check) -> tuple[list[ItemResult], list[tuple[int, object]]]:
    results: list[ItemResult] = []
    clean: list[tuple[int, object]] = []
    first_at: dict[str, int] = {}
    for index, item in enumerate(items):
        record = check(item)
        if isinstance(record, list):
            results.append(ItemResult(item_external_id(item), REJECTED, record))
        elif record.external_id in first_at:
            results.append(ItemResult(record.external_id, REJECTED, [FieldProblem(
                "external_id", _("repetido neste lote (já veio no item %(n)d)")
                % {"n": first_at[record.external_id] + 1})]))
        else:
            first_at[record.external_id] = index
            results.append(ItemResult(record.external_id, ""))
            clean.append((index, record))
    return results, clean


def _chunks(clean: list) -> Iterable[list]:
    for start in range(0, len(clean), CHUNK):
        yield clean[start:start + CHUNK]


def _retrying(write) -> None:
    """A concurrent writer may create the same external id first; the second try updates it."""
    for attempt in range(2):
        try:
            with serialized_writes(), transaction.atomic():
                write()
            return
        except IntegrityError:
            if attempt:
                raise


def _upsert_customer_chunk(org_id, chunk: list[tuple[int, CleanCustomer]],
                           results: list[ItemResult]) -> None:
    now = timezone.now()
    existing = {c.external_id: c for c in Customer.objects.filter(
        org_id=org_id, external_id__in=[r.external_id for _, r in chunk])}
    stored_phones: dict[int, set[tuple[str, str]]] = {}
    for customer_id, e164, written in CustomerPhone.objects.filter(
            customer__in=[c.pk for c in existing.values()]).values_list(
                "customer_id", "e164", "written"):
        stored_phones.setdefault(customer_id, set()).add((e164, written))
    to_create: list[tuple[Customer, CleanCustomer]] = []
    to_update: list[Customer] = []
    phones_replaced: list[tuple[Customer, CleanCustomer]] = []
    for index, record in chunk:
        customer = existing.get(record.external_id)
        if customer is None:
            customer = Customer(org_id=org_id, external_id=record.external_id, created_at=now,
                                updated_at=now, **record.values)
            to_create.append((customer, record))
            results[index].outcome = CREATED
            continue
        fields_changed = any(getattr(customer, name) != value
                             for name, value in record.values.items())
        phones_changed = stored_phones.get(customer.pk, set()) != set(record.phones)
        if not (fields_changed or phones_changed):
            results[index].outcome = UNCHANGED
            continue
        for name, value in record.values.items():
            setattr(customer, name, value)
        customer.updated_at = now
        to_update.append(customer)
        if phones_changed:
            phones_replaced.append((customer, record))
        results[index].outcome = UPDATED
    Customer.objects.bulk_create([customer for customer, _ in to_create])
    if to_update:
        Customer.objects.bulk_update(to_update, [*CUSTOMER_VALUES, "updated_at"])
    if phones_replaced:
        CustomerPhone.objects.filter(customer__in=[c.pk for c, _ in phones_replaced]).delete()
    CustomerPhone.objects.bulk_create([
        CustomerPhone(org_id=org_id, customer=customer, e164=e164, written=written)
        for customer, record in [*to_create, *phones_replaced]
        for e164, written in record.phones])
    if to_create:
        _link_waiting_sales(org_id, [customer.external_id for customer, _ in to_create])


def _link_waiting_sales(org_id, external_ids: list[str]) -> None:
    """Sales that arrived before their customer point at it now."""
    Sale.objects.filter(org_id=org_id, customer__isnull=True,
                        customer_external_id__in=external_ids).update(
        customer_id=Subquery(Customer.objects.filter(
            org_id=org_id, external_id=OuterRef("customer_external_id")).values("pk")[:1]))


def _upsert_sale_chunk(org_id, chunk: list[tuple[int, CleanSale]],
                       results: list[ItemResult]) -> None:
    now = timezone.now()
    existing = {s.external_id: s for s in Sale.objects.filter(
        org_id=org_id, external_id__in=[r.external_id for _, r in chunk])}
    customers = dict(Customer.objects.filter(
        org_id=org_id,
        external_id__in={r.values["customer_external_id"] for _, r in chunk},
    ).values_list("external_id", "pk"))
    to_create: list[Sale] = []
    to_update: list[Sale] = []
    for index, record in chunk:
        owner = customers.get(record.values["customer_external_id"])
        values = {**record.values, "customer_id": owner}
        sale = existing.get(record.external_id)
        if sale is None:
            to_create.append(Sale(org_id=org_id, external_id=record.external_id, created_at=now,
                                  updated_at=now, **values))
            results[index].outcome = CREATED
        elif any(getattr(sale, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(sale, name, value)
            sale.updated_at = now
            to_update.append(sale)
            results[index].outcome = UPDATED
        else:
            results[index].outcome = UNCHANGED
    Sale.objects.bulk_create(to_create)
    if to_update:
        Sale.objects.bulk_update(to_update, [*SALE_VALUES, "customer", "updated_at"])
