"""ERP import benchmark: a shop's customer CSV through `ponte import customers`, twice.

    ./dev bench import [--rows 50000] [--bad-every 5000] [--keep FILE.csv]

The file is what a Brazilian shop's Excel saves: cp1252, `;`, CRLF, `R$ 1.234,56` money,
`dd/mm/aaaa` dates, `sim`/`não`, phones in any written form, two per cell on some rows, and
a few bad rows (an impossible date, money that is not money, an empty name). Each run is a
real `ponte import` process, timed end to end; the first must create every good row and list
every bad one by line, the second must change nothing.
"""

import argparse
import csv
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.procs import PONTE, isolated_env, ponte_init  # noqa: E402

HEADER = ["codigo", "nome", "telefone", "email", "nascimento", "foto", "saldo_cashback",
          "validade_cashback", "observacoes", "nao_quer_marketing"]
MAPPING = ["codigo=external_id", "nome=name", "telefone=phones", "nascimento=birthday",
           "foto=photo_url", "saldo_cashback=cashback_balance",
           "validade_cashback=cashback_expires_on", "observacoes=notes",
           "nao_quer_marketing=marketing_opt_out"]
NAMES = ["Ana", "João", "Conceição", "Luís", "Márcia", "Zé", "Iracema", "Otávio"]
# Area codes in use (ANATEL); the others are not phone numbers and would be refused.
DDDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68,
        69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95,
        96, 97, 98, 99]
BAD = [("nascimento", "31/02/1990"), ("saldo_cashback", "quarenta reais"), ("nome", "")]


def money(cents: int) -> str:
    reais = f"{cents // 100:,}".replace(",", ".")
    return f"R$ {reais},{cents % 100:02d}"


def row(n: int, bad_every: int) -> dict[str, str]:
    ddd = DDDS[n % len(DDDS)]
    phone = (f"({ddd}) 9{n % 10000:04d}-{n // 10000 % 10000:04d}" if n % 3
             else f"+55 {ddd} 8{n % 1000:03d} {n % 10000:04d}")
    if n % 7 == 0:
        phone += f" | {ddd} 3{n % 1000:03d}-{n % 10000:04d}"
    cells = {
        "codigo": f"C{n:07d}", "nome": f"{NAMES[n % len(NAMES)]} Silva {n}", "telefone": phone,
        "email": f"cliente{n}@exemplo.com.br" if n % 4 else "",
        "nascimento": f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1950 + n % 55}",
        "foto": "", "saldo_cashback": money(n * 37 % 250_000),
        "validade_cashback": f"{1 + n % 28:02d}/{1 + n % 12:02d}/2027",
        "observacoes": 'prefere "PIX"; mora perto da loja' if n % 11 == 0 else "",
        "nao_quer_marketing": "sim" if n % 13 == 0 else "não",
    }
    if bad_every and n % bad_every == bad_every // 2:
        column, value = BAD[(n // bad_every) % len(BAD)]
        cells[column] = value
    return cells


def write_csv(path: Path, rows: int, bad_every: int) -> list[int]:
    """The file, and the spreadsheet line numbers of the rows that must be refused."""
    bad_lines = []
    with path.open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            if bad_every and n % bad_every == bad_every // 2:
                bad_lines.append(n + 1)
            cells = row(n, bad_every)
            writer.writerow([cells[name] for name in HEADER])
    return bad_lines


def run_import(env: dict, path: Path) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system: on a shared machine they say more than the
    clock), exit status, and the printed summary of one `ponte import` process."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([*PONTE, "import", "customers", str(path),
                           *[arg for pair in MAPPING for arg in ("--map", pair)]],
                          env=env, capture_output=True, text=True, timeout=600)
    return (time.perf_counter() - started, _children_cpu() - cpu_before, done.returncode,
            done.stdout)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def figure(summary: str, label: str) -> int:
    found = re.search(rf"(\d+) {label}", summary)
    return int(found.group(1)) if found else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--bad-every", type=int, default=5_000,
                        help="one refused row in this many (0: none)")
    parser.add_argument("--keep", type=Path, help="also write the generated CSV here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, isolated_env(Path(tmp)) as env:
        csv_path = args.keep or Path(tmp) / "clientes.csv"
        bad_lines = write_csv(csv_path, args.rows, args.bad_every)
        size_mb = csv_path.stat().st_size / 1e6
        ponte_init(env, "wppconnect", org="Bench")
        runs = [run_import(env, csv_path) for _ in range(2)]

    good = args.rows - len(bad_lines)
    print(f"rows={args.rows} bad rows={len(bad_lines)} file={size_mb:.1f} MB")
    for label, (seconds, cpu, code, summary) in zip(("first run ", "second run"), runs,
                                                   strict=True):
        storing = re.search(r"([\d.]+) s gravando", summary)
        print(f"{label}: {seconds:5.1f} s end to end, {cpu:5.1f} s CPU "
              f"({storing.group(1) if storing else '?'} s in the upsert)  exit {code}  "
              f"created {figure(summary, 'criados')}  "
              f"updated {figure(summary, 'atualizados')}  unchanged "
              f"{figure(summary, 'sem mudança')}  refused {figure(summary, 'recusados')}")
    first, second = runs[0][3], runs[1][3]
    reported = sorted({int(line) for line in re.findall(r"^linha (\d+),", first, re.M)})
    print(f"every bad row reported by line : {reported == bad_lines}")
    print(f"first run created every good row: {figure(first, 'criados') == good}")
    untouched = (figure(second, "sem mudança") == good and figure(second, "criados") == 0
                 and figure(second, "atualizados") == 0)
    print(f"second run changed nothing      : {untouched}")
    if reported != bad_lines:
        print(first[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
