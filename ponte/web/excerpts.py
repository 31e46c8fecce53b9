"""The part of a found message worth showing in the results, its matching words marked."""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ponte.conversations.search import search_terms
from ponte.web.templatetags.ponte_web import without_bidi

CONTEXT = 40


def _folded(text: str) -> str:
    """The text without accents or capitals, one character for each of the original's, so
    a position found in it is the same position in the text."""
    return "".join(unicodedata.normalize("NFD", ch)[0].lower()[0] for ch in text)


def excerpt(text: str, query: str) -> SafeString:
    """Up to CONTEXT characters each side of the first match, every word that starts with a
    term of the query in <mark>; the rest escaped."""
    text = without_bidi(text)
    terms = [_folded(term) for term in search_terms(query)]
    folded = _folded(text)
    spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", folded)
             if any(m.group().startswith(term) for term in terms)]
    start = max(0, spans[0][0] - CONTEXT) if spans else 0
    end = min(len(text), (spans[0][1] if spans else 0) + CONTEXT * 2)
    pieces, at = ["…" if start else ""], start
    for first, last in spans:
        if first < start or last > end:
            continue
        pieces += [escape(text[at:first]), "<mark>", escape(text[first:last]), "</mark>"]
        at = last
    pieces += [escape(text[at:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of the text is escaped)


def message_excerpt(message, query: str) -> SafeString:
    """What the message says (text, caption, transcript), around the words found."""
    said = " · ".join(part for part in (message.text, message.caption, message.transcript) if part)
    return excerpt(said, query)
