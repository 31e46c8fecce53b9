"""How people and apps write numbers, reduced to the ASCII libphonenumber reads.

A number copied from a contact card arrives wrapped in bidi marks with a
non-breaking hyphen; one typed on a Japanese keyboard has full-width digits; a
link carries a `tel:` URI; an old business card says "0xx21". Everything here
turns such writing into plain digits and punctuation, and finds the one number
in a sentence, or refuses when there is not exactly one. See docs/identity.md.
"""

import re
import unicodedata

# Full-width and other look-alike punctuation a phone keyboard produces.
_LOOKALIKES = str.maketrans({
    "＋": "+", "﹢": "+", "（": "(", "）": ")", "﹙": "(", "﹚": ")",
    "．": ".", "｡": ".", "／": "/", "：": ":", "；": ";", "＠": "@",
})
# Dashes that are not Unicode "Pd" but are written as one (minus sign, hyphen bullet).
_EXTRA_DASHES = "\u2212\u2043\u2796"

# `0xx21`: "0, then your carrier's two digits, then the area code", printed for
# decades with a literal "xx". The carrier is the caller's choice, so it is dropped.
_CARRIER_PLACEHOLDER = re.compile(r"(?<![0-9A-Za-z])0 ?[xX]{2} ?(?=[0-9(])")

# RFC 3966: tel:<number>[;ext=..][;isub=..][;phone-context=..]. "tel://" is not in
# the RFC but links in the wild carry it.
_TEL_URI = re.compile(r"tel:(?://)?(?P<number>[^;]*)(?P<params>(?:;[^;]*)*)", re.I)
_PHONE_CONTEXT = re.compile(r";phone-context=(?P<context>[^;]*)", re.I)

# A run of digits with the punctuation numbers are written with; no "/" or ":" so
# dates (03/12/2026) and times (18:30) fall apart into short runs.
_RUN = re.compile(r"\+?\(?[0-9](?:[ .\-()]{0,3}[0-9])*\)?")
# Fewer digits than this is a time, a quantity or a house number, not a phone.
_PHONE_LIKE_DIGITS = 8
_DATE = re.compile(r"[0-9]{1,4}[.\-][0-9]{1,2}[.\-][0-9]{2,4}")
# CPF (123.456.789-09) and CNPJ digits: eleven of them look like a DDD + mobile.
_DOCUMENT = re.compile(r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}|[0-9]{2}\.[0-9]{3}\.[0-9]{3}")
_CURRENCY = "$€£¥"


def normalize_written(text: str) -> str | None:
    """Unicode digits, spaces, dashes and look-alikes to ASCII; None for control bytes.

    Invisible format characters (bidi marks, zero-width spaces, BOM) are dropped:
    numbers copied from contact cards and chat apps come wrapped in them.
    """
    out = []
    for ch in text.translate(_LOOKALIKES):
        if ch.isascii() and (ch.isprintable() or ch.isspace()):
            out.append(" " if ch.isspace() else ch)
            continue
        category = unicodedata.category(ch)
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out.append(str(digit))
        elif ch.isspace() or category == "Zs":
            out.append(" ")
        elif category == "Pd" or ch in _EXTRA_DASHES:
            out.append("-")
        elif category == "Cf":
            continue
        elif category.startswith("C"):
            return None
        else:
            out.append(ch)
    return "".join(out)


def without_carrier_placeholder(text: str) -> str:
    """`(0xx21) 9876-5432` -> `(021) 9876-5432`: the trunk 0 stays, libphonenumber drops it."""
    return _CARRIER_PLACEHOLDER.sub("0", text)


def from_tel_uri(text: str) -> str | None:
    """The number of a `tel:` URI, with its phone-context prefix when it is local."""
    uri = _TEL_URI.fullmatch(text.strip())
    if uri is None:
        return None
    number = uri["number"].strip()
    if number.startswith("+"):
        return number
    context = _PHONE_CONTEXT.search(uri["params"])
    if context and context["context"].startswith("+"):
        # A local number in a numeric context: the context is its leading digits.
        return context["context"] + number
    return number


def phone_in_sentence(text: str) -> str | None:
    """The one phone-like run in prose, or None when there are none or several.

    A run counts as phone-like from 8 digits on. With two (a second phone, an order
    number, a long price), we cannot tell which one was meant, so we take none.
    The single run is still refused when it is glued to letters, money or a decimal
    comma, or shaped like a date or a CPF/CNPJ.
    """
    runs = [run for run in _RUN.finditer(text) if _digit_count(run[0]) >= _PHONE_LIKE_DIGITS]
    if len(runs) != 1:
        return None
    run = runs[0]
    touching, after = text[run.start() - 1: run.start()], text[run.end():]
    nearest_before = text[: run.start()].rstrip()[-1:]
    if (touching.isalnum() or (nearest_before and nearest_before in _CURRENCY)
            or after[:1].isalnum() or after[:1] == "%" or re.match(r",[0-9]", after)):
        return None
    if _DATE.fullmatch(run[0]) or _DOCUMENT.fullmatch(run[0]):
        return None
    return run[0]


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)
