"""What the ERP data holds about a person, for the privacy registry (`ponte.personal_data`).

A person is found by phone: the customers holding that number, their phones and
sales. Hiding a number in the CRM removes only the WhatsApp side: these rows are
the shop's records and are kept (`kept_when_hidden`); an LGPD erasure removes them.
"""

from ponte.erp.models import Customer, CustomerPhone, Sale
from ponte.personal_data import Person, holds_personal_data


def _customers(person: Person):
    return Customer.objects.filter(org_id=person.org_id, phones__e164=person.e164)


def register() -> None:
    # Customers go before their phones: the phones are how a customer is found, and
    # they go with it (an erasure counts them as the customer's).
    holds_personal_data(
        Sale, "erp_sales", order=60, kept_when_hidden=True,
        rows=lambda p: Sale.objects.filter(org_id=p.org_id, customer__in=_customers(p)),
        export=lambda rows: list(rows.values("external_id", "customer_external_id", "date",
                                             "total", "items", "store", "status")))
    holds_personal_data(
        CustomerPhone, "erp_customer_phones", order=62, kept_when_hidden=True,
        rows=lambda p: CustomerPhone.objects.filter(org_id=p.org_id,
                                                    customer__in=_customers(p)),
        export=lambda rows: list(rows.values("customer__external_id", "e164", "written")))
    holds_personal_data(
        Customer, "erp_customers", order=61, kept_when_hidden=True,
        rows=lambda p: Customer.objects.filter(
            org_id=p.org_id, pk__in=list(_customers(p).values_list("pk", flat=True))),
        export=lambda rows: list(rows.values(
            "external_id", "name", "email", "birthday", "photo_url", "cashback_balance",
            "cashback_expires_on", "notes", "marketing_opt_out", "created_at", "updated_at")))
