"""What the ERP endpoints accept and answer; the field descriptions are the OpenAPI document's.

Input fields are typed loosely and only documented here: `ponte.erp.records` checks
each one, so a float for money or a phone we cannot read is named, field by field,
in pt-BR, and one bad item of a batch never rejects the others.
"""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema

from ponte.api.schemas import CURSOR, PHONE

MAX_BULK_ITEMS = 10_000
MONEY = 'A decimal string with at most 2 decimals, never a JSON number: `"45.90"`.'
DAY = "`YYYY-MM-DD`."


def _loose(schema: dict) -> Any:
    """Any JSON in, checked by `ponte.erp.records`; `schema` is what the document shows."""
    return Annotated[Any, WithJsonSchema(schema)]


_TEXT = {"type": "string"}
_DAY = {"type": ["string", "null"], "format": "date"}
_MONEY = {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "45.90"}


class CustomerIn(Schema):
    """The whole customer (PUT): a field left out becomes empty."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"required": ["name"]})

    name: _loose({**_TEXT, "maxLength": 200}) = Field(None, description="Required.")
    phones: _loose({"type": "array", "items": _TEXT, "maxItems": 20}) = Field(
        None, description="Every number of the customer, each in any form. " + PHONE)
    email: _loose({**_TEXT, "maxLength": 254}) = None
    birthday: _loose(_DAY) = Field(None, description=DAY)
    photo_url: _loose({**_TEXT, "format": "uri", "maxLength": 500}) = Field(
        None, description="An http:// or https:// address.")
    cashback_balance: _loose(_MONEY) = Field(None, description=MONEY + ' Empty: `"0.00"`.')
    cashback_expires_on: _loose(_DAY) = Field(None, description=DAY)
    notes: _loose(_TEXT) = None
    marketing_opt_out: _loose({"type": "boolean"}) = Field(
        None, description="true: never offered in marketing recall.")


class CustomerBulkItem(CustomerIn):
    model_config = ConfigDict(extra="allow",
                              json_schema_extra={"required": ["external_id", "name"]})

    external_id: _loose({**_TEXT, "maxLength": 100}) = Field(
        None, description="The ERP's id of the customer; the key of the upsert.")


class SaleIn(Schema):
    """The whole sale (PUT): a field left out becomes empty."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "required": ["customer_external_id", "date", "total"]})

    customer_external_id: _loose({**_TEXT, "maxLength": 100}) = Field(
        None, description="The ERP's id of the buyer; linked as soon as that customer exists.")
    date: _loose({"type": "string", "example": "2026-12-10T15:30:00-03:00"}) = Field(
        None, description="`YYYY-MM-DD` (midnight in America/Sao_Paulo) or an ISO 8601 "
                          "datetime (São Paulo's time when it has no offset).")
    total: _loose(_MONEY) = Field(None, description=MONEY)
    items: _loose(_TEXT) = Field(None, description="A summary of what was bought.")
    store: _loose({**_TEXT, "maxLength": 100}) = None
    status: _loose({**_TEXT, "maxLength": 30}) = None


class SaleBulkItem(SaleIn):
    model_config = ConfigDict(extra="allow", json_schema_extra={
        "required": ["external_id", "customer_external_id", "date", "total"]})

    external_id: _loose({**_TEXT, "maxLength": 100}) = Field(
        None, description="The ERP's id of the sale; the key of the upsert.")


class CustomerBulkIn(Schema):
    items: list[CustomerBulkItem] = Field(description=f"Up to {MAX_BULK_ITEMS:,} customers.")


class SaleBulkIn(Schema):
    items: list[SaleBulkItem] = Field(description=f"Up to {MAX_BULK_ITEMS:,} sales.")


class CustomerOut(Schema):
    external_id: str
    name: str
    phones: list[str] = Field(description="Each number, canonical (E.164, ninth digit added).")
    written: list[str] = Field(description="The same numbers as the ERP wrote them, in order.")
    email: str
    birthday: date | None
    photo_url: str
    cashback_balance: str = Field(description='Money as a decimal string: `"45.90"`.')
    cashback_expires_on: date | None
    notes: str
    marketing_opt_out: bool
    created_at: datetime
    updated_at: datetime


class CustomerPutOut(CustomerOut):
    outcome: str = Field(description="`created`, `updated` or `unchanged`.")


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_before: str | None = Field(description=CURSOR)


class SaleOut(Schema):
    external_id: str
    customer_external_id: str
    customer_linked: bool = Field(description="Whether that customer has been sent already.")
    date: datetime
    total: str = Field(description='Money as a decimal string: `"199.90"`.')
    items: str
    store: str
    status: str
    created_at: datetime
    updated_at: datetime


class SalePutOut(SaleOut):
    outcome: str = Field(description="`created`, `updated` or `unchanged`.")


class SalePage(Schema):
    items: list[SaleOut]
    next_before: str | None = Field(description=CURSOR)


class ItemProblemOut(Schema):
    field: str = Field(description="The item's field, e.g. `phones` or `cashback_balance`.")
    detail: str = Field(description="Why, in Portuguese, for a person.")


class ItemResultOut(Schema):
    external_id: str
    outcome: str = Field(description="`created`, `updated`, `unchanged` or `rejected`.")
    errors: list[ItemProblemOut] = Field(description="Why it was rejected; empty otherwise.")


class BulkOut(Schema):
    results: list[ItemResultOut] = Field(description="One per item, in the items' order.")
    created: int
    updated: int
    unchanged: int
    rejected: int
