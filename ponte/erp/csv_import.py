"""`ponte import customers|sales FILE.csv`: a spreadsheet's rows turned into the API's items
and upserted in chunks, every refused row told by its line and column while the rest load.

The columns are the API's field names unless renamed (`--map telefone=phones`), and cells
are read the Brazilian way (`1.234,56`, `R$ 45,90`, `31/12/2026`, `sim`/`não`), so a shop's
own export loads as it is.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ponte.erp.csv_reading import Record, Table, UnreadableFile
from ponte.erp.parsing import parse_date, parse_moment, parse_money, split_phones
from ponte.erp.services import do_upsert_customers, do_upsert_sales

CHUNK_ROWS = 2000

TRUE_WORDS = {"sim", "s", "1", "true", "verdadeiro", "v", "yes", "y", "x"}
FALSE_WORDS = {"não", "nao", "n", "0", "false", "falso", "f", "no", ""}


def _text(cell: str) -> str:
    return cell.strip()


def _phones(cell: str) -> list[str]:
    return split_phones(cell)


def _money(cell: str) -> str:
    return format(parse_money(cell, brazilian=True), "f")


def _date(cell: str) -> str:
    return parse_date(cell, brazilian=True).isoformat()


def _moment(cell: str) -> str:
    """A sale's date: a day (`31/12/2026`, `2026-12-31`), `31/12/2026 14:30`, or ISO with a
    time; without a zone it is São Paulo's time."""
    return parse_moment(cell, brazilian=True).isoformat()


def _flag(cell: str) -> bool:
    word = cell.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("use sim ou não (ou s/n, 1/0, true/false), não “%(value)s”")
                     % {"value": cell.strip()})


@dataclass(frozen=True)
class Kind:
    """What one command imports: its fields in the API's names, how a cell becomes each
    field, which fields a row cannot lack, and the service that stores the items."""

    name: str
    converters: dict[str, Callable[[str], object]]
    required: tuple[str, ...]
    upsert: Callable[[object, list[dict]], list]


CUSTOMERS = Kind(
    "customers",
    {"external_id": _text, "name": _text, "phones": _phones, "email": _text,
     "birthday": _date, "photo_url": _text, "cashback_balance": _money,
     "cashback_expires_on": _date, "notes": _text, "marketing_opt_out": _flag},
    ("external_id", "name"),
    do_upsert_customers,
)
SALES = Kind(
    "sales",
    {"external_id": _text, "customer_external_id": _text, "date": _moment, "total": _money,
     "items": _text, "store": _text, "status": _text},
    ("external_id", "customer_external_id", "date", "total"),
    do_upsert_sales,
)
KINDS = {kind.name: kind for kind in (CUSTOMERS, SALES)}


@dataclass(frozen=True)
class Rejection:
    line: int
    column: str  # as the file names it, so the shop finds it in its spreadsheet
    detail: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    storing_seconds: float = 0.0  # inside the upsert service, apart from reading the file


@dataclass(frozen=True)
class Columns:
    """Where each field is in a row, and what the file calls it."""

    index: dict[str, int]  # field -> cell position
    named: dict[str, str]  # field -> the file's header text
    ignored: list[str]


def parse_mapping(pairs: list[str], kind: Kind) -> dict[str, str]:
    """`["telefone=phones", …]` as {file column (lowercase): field}; a typo stops the run."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise UnreadableFile(_("--map espera COLUNA=CAMPO, não “%(pair)s”") % {"pair": pair})
        if target not in kind.converters:
            raise UnreadableFile(
                _("--map %(pair)s: “%(target)s” não é um campo; os campos são: %(fields)s")
                % {"pair": pair, "target": target, "fields": ", ".join(kind.converters)})
        mapping[source.lower()] = target
    return mapping


def resolve_columns(header: list[str], kind: Kind, mapping: dict[str, str]) -> Columns:
    """Each field's position; unknown columns set aside; a missing required one stops it all
    before anything is loaded, since every row would be refused for the same reason."""
    index: dict[str, int] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    for position, title in enumerate(header):
        key = title.strip().lower()
        target = mapping.get(key, key if key in kind.converters else None)
        if target is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if target in index:
            raise UnreadableFile(
                _("As colunas “%(first)s” e “%(second)s” preenchem o mesmo campo %(field)s.")
                % {"first": named[target], "second": title.strip(), "field": target})
        index[target], named[target] = position, title.strip()
    missing = [name for name in kind.required if name not in index]
    if missing:
        raise UnreadableFile(
            _("Falta a coluna obrigatória %(missing)s. Colunas encontradas: %(found)s. "
              "Renomeie com --map COLUNA=CAMPO.")
            % {"missing": ", ".join(missing),
               "found": ", ".join(name for name in header if name) or "—"})
    return Columns(index, named, ignored)


def item_from_record(record: Record, kind: Kind, columns: Columns,
                     ) -> tuple[dict, list[Rejection]]:
    """The API's item for one row, or the reasons it cannot be one. An empty optional cell
    is left out: the item is the whole record, so the field becomes empty."""
    item: dict = {}
    problems: list[Rejection] = []
    for name, position in columns.index.items():
        cell = record.cells[position] if position < len(record.cells) else ""
        if not cell.strip():
            if name in kind.required:
                problems.append(Rejection(record.line, columns.named[name],
                                          _("obrigatório, está vazio")))
            continue
        try:
            item[name] = kind.converters[name](cell)
        except ValueError as exc:
            problems.append(Rejection(record.line, columns.named[name], str(exc)))
    return item, problems


def import_table(org_id, table: Table, kind: Kind, mapping: dict[str, str], *,
                 on_progress: Callable[[int, int], None] = lambda done, total: None,
                 ) -> ImportReport:
    """Upserts every good row, CHUNK_ROWS at a time; the rest are reported, not fatal."""
    columns = resolve_columns(table.header, kind, mapping)
    header_width = len(table.header)
    report = ImportReport(rows=len(table.records), ignored_columns=columns.ignored)
    first_line: dict[str, int] = {}
    pending: list[tuple[int, dict]] = []
    on_progress(0, report.rows)
    for done, record in enumerate(table.records, start=1):
        item, problems = _checked_item(record, kind, columns, header_width, first_line)
        if problems:
            report.rejected_rows += 1
            report.rejections.extend(problems)
        else:
            pending.append((record.line, item))
        if len(pending) >= CHUNK_ROWS:
            _store(org_id, kind, columns, pending, report)
            pending = []
            on_progress(done, report.rows)
    if pending:
        _store(org_id, kind, columns, pending, report)
    on_progress(report.rows, report.rows)
    report.rejections.sort(key=lambda rejection: rejection.line)
    return report


def _checked_item(record: Record, kind: Kind, columns: Columns, header_width: int,
                  first_line: dict[str, int]) -> tuple[dict, list[Rejection]]:
    if len(record.cells) > header_width and any(c.strip() for c in record.cells[header_width:]):
        return {}, [Rejection(record.line, "—", _(
            "a linha tem %(cells)d colunas e o cabeçalho %(header)d; falta pôr entre aspas "
            "um valor que contém o separador?")
            % {"cells": len(record.cells), "header": header_width})]
    item, problems = item_from_record(record, kind, columns)
    external_id = item.get("external_id")
    if not problems and external_id is not None:
        # Two rows for one record would make the result depend on their order.
        earlier = first_line.setdefault(external_id, record.line)
        if earlier != record.line:
            problems.append(Rejection(record.line, columns.named["external_id"],
                                      _("%(id)s repetido: já está na linha %(line)d")
                                      % {"id": external_id, "line": earlier}))
    return item, problems


def _store(org_id, kind: Kind, columns: Columns, pending: list[tuple[int, dict]],
           report: ImportReport) -> None:
    started = time.perf_counter()
    results = kind.upsert(org_id, [item for _line, item in pending])
    report.storing_seconds += time.perf_counter() - started
    for (line, _item), result in zip(pending, results, strict=True):
        if result.outcome == "rejected":
            report.rejected_rows += 1
            report.rejections.extend(
                Rejection(line, _column_of(problem.field, columns), problem.detail)
                for problem in result.errors)
        else:
            setattr(report, result.outcome, getattr(report, result.outcome) + 1)


def _column_of(api_field: str, columns: Columns) -> str:
    """The file's name for a field the service refused (`phones[1]` is the phones column)."""
    base = re.split(r"[\[.]", api_field, maxsplit=1)[0]
    return columns.named.get(base, api_field or "—")


# C0/C1 controls (a terminal's escape sequences among them) and the bidirectional overrides
# that reorder what a terminal shows: a hostile cell quoted in the report must not act.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """The text with what a terminal would act on written out as escapes (`\\x1b`)."""
    return _UNPRINTABLE.sub(lambda found: found[0].encode("unicode_escape").decode(), text)


def report_lines(report: ImportReport, kind: Kind, seconds: float) -> list[str]:
    """The summary an operator reads after the bar: the counts, then every refused row."""
    what = _("Clientes") if kind is CUSTOMERS else _("Vendas")
    lines = [_("%(what)s: %(rows)d linhas: %(created)d criados, %(updated)d atualizados, "
               "%(unchanged)d sem mudança, %(rejected)d recusados")
             % {"what": what, "rows": report.rows, "created": report.created,
                "updated": report.updated, "unchanged": report.unchanged,
                "rejected": report.rejected_rows},
             _("Tempo: %(seconds).1f s, dos quais %(storing).1f s gravando no banco")
             % {"seconds": seconds, "storing": report.storing_seconds}]
    if report.ignored_columns:
        lines.append(_("Colunas ignoradas (não são campos; use --map para lê-las): %(names)s")
                     % {"names": printable(", ".join(report.ignored_columns))})
    if report.rejections:
        lines.append(_("Linhas recusadas (as demais foram carregadas):"))
        lines.extend(_("linha %(line)d, coluna %(column)s: %(detail)s")
                     % {"line": rejection.line, "column": printable(rejection.column),
                        "detail": printable(rejection.detail)}
                     for rejection in report.rejections)
    return lines
