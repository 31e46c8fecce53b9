"""A spreadsheet's CSV export as rows: the encoding, the separator and the row numbers guessed
the way a Brazilian shop's files need (Excel saves `;`-separated cp1252 with CRLF)."""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

SEPARATORS = (";", ",", "\t", "|")


class UnreadableFile(Exception):
    """The file cannot be read as a table at all; `detail` says why in pt-BR."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Record:
    line: int  # as a spreadsheet numbers its rows: the header is line 1
    cells: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    records: list[Record]
    encoding: str
    delimiter: str


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read in. UTF-8 is tried strictly first, because a
    Latin-1 file almost never happens to be valid UTF-8; then cp1252 (Excel's "CSV" on
    Windows, a superset of Latin-1's printable letters), then Latin-1, which never fails.
    A UTF-16 byte order mark is believed."""
    if encoding:
        try:
            return raw.decode(encoding).removeprefix("\ufeff"), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise UnreadableFile(_("O arquivo não pode ser lido como %(encoding)s: %(why)s")
                                 % {"encoding": encoding, "why": exc}) from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16, tabs
        return decode(raw, "utf-16")
    for guess in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(guess).removeprefix("\ufeff"), guess
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def guess_delimiter(header_line: str) -> str:
    """The separator that splits the header most; a comma when the header is one column.
    csv.Sniffer is not used: on a header alone it often picks a letter."""
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _first_line(text: str) -> str:
    """The header line, read through quotes so a quoted newline does not cut it short."""
    end, quoted = 0, False
    for end, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:end]
    return text


def _without_sep_line(text: str) -> tuple[str, str]:
    """Excel writes `sep=;` above the header when asked for a separator, and shows the sheet
    without it: the separator is taken and the line dropped, so the header stays line 1."""
    first = _first_line(text)
    if len(first) == 5 and first.lower().startswith("sep="):
        rest = text[len(first):]
        return rest[2:] if rest.startswith("\r\n") else rest[1:], first[4]
    return text, ""


def read_table(raw: bytes, *, delimiter: str | None = None,
               encoding: str | None = None) -> Table:
    """Every non-blank row after the header, with its spreadsheet line number (a quoted cell
    that holds newlines is still one row, as a spreadsheet shows it)."""
    text, used = decode(raw, encoding)
    if not text.strip():
        raise UnreadableFile(_("O arquivo está vazio."))
    text, declared = _without_sep_line(text)
    delimiter = delimiter or declared or guess_delimiter(_first_line(text))
    if delimiter.lower() in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise UnreadableFile(_("O separador deve ser um único caractere."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows = iter(reader)
    try:
        header = [name.strip() for name in next(rows)]
        records = [Record(line, cells) for line, cells in enumerate(rows, start=2)
                   if any(cell.strip() for cell in cells)]
    except csv.Error as exc:
        raise UnreadableFile(_("O arquivo não é um CSV legível: %(why)s") % {"why": exc}) from exc
    if not any(header):
        raise UnreadableFile(_("A primeira linha deve ter os nomes das colunas."))
    return Table(header, records, used, delimiter)
