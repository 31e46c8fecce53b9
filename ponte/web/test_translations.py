"""The English catalogue: every Portuguese string translated, and the compiled file up to date."""

import ast
import gettext
from pathlib import Path

import ponte

MESSAGES = Path(ponte.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def catalogue() -> list[dict]:
    """Each entry of django.po as {field: text, "fuzzy": bool}, the header left out.

    Fields: msgid, msgstr; plural entries have msgid_plural, msgstr[0] and msgstr[1]; an
    entry with a context (one Portuguese word, two English ones) has msgctxt.
    """
    entries, current, field = [], {"fuzzy": False}, None
    for line in [*(MESSAGES / "django.po").read_text().splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append(current)
            current, field = {"fuzzy": False}, None
        elif line.startswith("#,"):
            current["fuzzy"] = current["fuzzy"] or "fuzzy" in line
        elif line.startswith("msg"):
            field, _, literal = line.partition(" ")
            current[field] = ast.literal_eval(literal)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
    return entries


def translations(entry: dict) -> list[str]:
    return [entry[k] for k in ("msgstr", "msgstr[0]", "msgstr[1]") if k in entry]


def test_every_string_has_a_reviewed_english_translation():
    entries = catalogue()
    assert len(entries) > 100
    assert [e["msgid"] for e in entries if e["fuzzy"]] == [], "guessed by msgmerge: review"
    assert [e["msgid"] for e in entries if not all(translations(e))] == []


def test_the_compiled_catalogue_matches_the_source():
    with (MESSAGES / "django.mo").open("rb") as compiled:
        english = gettext.GNUTranslations(compiled)

    def compiled_as(entry: dict) -> list[str]:
        if "msgctxt" in entry:
            return [english.pgettext(entry["msgctxt"], entry["msgid"])]
        if "msgid_plural" in entry:
            return [english.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
        return [english.gettext(entry["msgid"])]

    stale = [e["msgid"] for e in catalogue() if compiled_as(e) != translations(e)]
    assert stale == [], "run scripts/translations.sh"
