"""ERP upsert benchmark: 50,000 customers into a fresh database, then the same 50,000 again.

    ./dev bench erp [--n 50000] [--json]

Runs in process against the configured database (SQLite in a temporary data directory
unless DATABASE_URL is set). The baseline is the same checks (phones canonicalized) and
a plain bulk_create of the same rows (customers and phones, no reads) in another
organization, measured in the same run; each upsert pass prints its ratio to it. The second pass
must find every customer "unchanged" and write nothing. CPU seconds are printed beside
wall time: on a shared machine they say more than the clock.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def items(n: int, changed_every: int = 0) -> list[dict]:
    """`n` customers as the API would receive them, one or two phones in mixed forms."""
    rows = []
    for i in range(n):
        phones = [f"(31) 9{8000_0000 + i:08d}"[:4] + f" 9{(8000_0000 + i) // 10000:04d}-"
                  f"{i % 10000:04d}"]
        if i % 3 == 0:
            phones.append(f"31 3{(2000_000 + i) % 10_000_000:07d}"[:7] + f"-{i % 10000:04d}")
        notes = "cliente fiel" if not changed_every or i % changed_every else "mudou"
        rows.append({"external_id": f"C{i:07d}", "name": f"Cliente Número {i}",
                     "phones": phones, "email": f"cliente{i}@example.com",
                     "birthday": f"19{60 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                     "cashback_balance": f"{i % 500}.{i % 100:02d}",
                     "cashback_expires_on": "2026-12-10", "notes": notes,
                     "marketing_opt_out": i % 17 == 0})
    return rows


def baseline(org_id, rows: list[dict]) -> tuple[float, float]:
    """Plain bulk_create of the same customers and phones: the floor of writing them."""
    from django.db import transaction

    from ponte.erp import records
    from ponte.erp.models import Customer, CustomerPhone
    from ponte.erp.services import CHUNK

    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(rows), CHUNK):
        clean = [records.check_customer(row) for row in rows[start:start + CHUNK]]
        with transaction.atomic():
            customers = Customer.objects.bulk_create([
                Customer(org_id=org_id, external_id=c.external_id, **c.values) for c in clean])
            CustomerPhone.objects.bulk_create([
                CustomerPhone(org_id=org_id, customer=customer, e164=e164, written=written)
                for customer, c in zip(customers, clean, strict=True)
                for e164, written in c.phones])
    return time.perf_counter() - started, time.process_time() - cpu


def timed_upsert(org_id, rows: list[dict]) -> tuple[float, float, Counter]:
    from ponte.erp.services import do_upsert_customers

    started, cpu = time.perf_counter(), time.process_time()
    results = do_upsert_customers(org_id, rows)
    return (time.perf_counter() - started, time.process_time() - cpu,
            Counter(r.outcome for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PONTE_DATA_DIR", tempfile.mkdtemp(prefix="ponte-bench-erp-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ponte.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ponte.accounts.models import Organization

    call_command("migrate", verbosity=0)
    rows = items(args.n)
    floor, floor_cpu = baseline(Organization.objects.create(name="Base").pk, rows)
    org_id = Organization.objects.create(name="Loja").pk
    passes = {"first (all new)": timed_upsert(org_id, rows),
              "second (same rows)": timed_upsert(org_id, rows),
              "third (1 in 10 changed)": timed_upsert(org_id, items(args.n, changed_every=10))}
    figures = {"n": args.n, "database": connection.vendor, "bulk_create_s": round(floor, 2),
               "bulk_create_cpu_s": round(floor_cpu, 2),
               **{name: {"seconds": round(s, 2), "cpu_seconds": round(c, 2),
                         "ratio": round(s / floor, 2), "outcomes": dict(outcomes)}
                  for name, (s, c, outcomes) in passes.items()}}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{args.n} customers on {connection.vendor}")
    print(f"  baseline: checks + plain bulk_create    {floor:6.2f} s (cpu {floor_cpu:5.2f} s)")
    for name, (seconds, cpu, outcomes) in passes.items():
        print(f"  upsert, {name:<24} {seconds:6.2f} s (cpu {cpu:5.2f} s)  "
              f"×{seconds / floor:.2f}  {dict(outcomes)}")
    if passes["second (same rows)"][2] != Counter({"unchanged": args.n}):
        sys.exit("the second pass changed something: the upsert is not idempotent")


if __name__ == "__main__":
    main()
