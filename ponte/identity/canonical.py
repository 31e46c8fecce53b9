"""Canonical phone / WhatsApp id resolver.

Every number or WhatsApp id becomes one `Identity`, so the same person typed as
"(11) 8765-4321", written by an engine as "551187654321@s.whatsapp.net" or sent by
Cloud API as "5511987654321" lands on the same `e164`. libphonenumber does the
parsing; on top of it sit WhatsApp's id forms and Brazil's ninth-digit migration
(see the notes in fixtures/phones.json). How people write numbers (Unicode, `tel:`,
`0xx`, a number in a sentence) is read in `written.py`; every accepted form is
listed in docs/identity.md.
"""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType

from ponte.identity import written
from ponte.identity.types import Identity, IdentityKind

# Longer than any phone or JID by far; refusing early keeps hostile input cheap.
_MAX_INPUT = 256

# id, optional agent ("_1", Baileys; ".0", WhatsApp Web), optional linked-device
# suffix (":12"), server.
_JID = re.compile(
    r"\+?(?P<id>[0-9]+(?:-[0-9]+)?|status)(?:[_.](?P<agent>[0-9]+))?(?::[0-9]+)?"
    r"@(?P<server>[a-z.]+)",
    re.I,
)

# Digits and the punctuation people type around them, once normalized to ASCII.
# Letters send the text to the sentence reader: libphonenumber would read them as
# keypad digits or skip prose to find a number.
_TYPED = re.compile(r"\+?[0-9\s().\-/]+")

_SERVER_KIND: dict[str, IdentityKind] = {
    "c.us": "user",
    "s.whatsapp.net": "user",
    "g.us": "group",
    "broadcast": "broadcast",
    "newsletter": "newsletter",
    "lid": "lid",
    # Recent WhatsApp versions address some accounts (Cloud API-hosted businesses)
    # on these servers; the person is the same as on the non-hosted ones.
    "hosted": "user",
    "hosted.lid": "lid",
}

# Baileys reads a JID's agent as its domain type: 0 WhatsApp, 1 lid, 128 hosted,
# 129 hosted lid. The domain, not the server, then says what the digits are.
_AGENT_KIND: dict[int, IdentityKind] = {0: "user", 1: "lid", 128: "user", 129: "lid"}

# Before 2012-2016 Brazilian mobiles had 8 digits starting with 6-9; 2-5 were and
# are landlines. 7 counts as mobile too, though libphonenumber also accepts the
# 8-digit 7xxx form (radio trunking), because WhatsApp accounts there are SMP.
_LEGACY_MOBILE_FIRST_DIGITS = "6789"


def canonicalize(raw: str) -> Identity:
    """Resolve any typed number or WhatsApp id; never raises, `invalid` when unsure."""
    if len(raw) > _MAX_INPUT:
        return Identity(kind="invalid", raw=raw)
    return _canonicalize(raw)


# Engines repeat the same few JIDs all day; parsing them is the costly part of ingest.
@lru_cache(maxsize=8192)
def _canonicalize(raw: str) -> Identity:
    # Unicode first: a JID pasted from a chat may carry bidi marks or full-width digits.
    text = written.normalize_written(raw)
    if text is None:
        return Identity(kind="invalid", raw=raw)
    jid = _JID.fullmatch(text.strip())
    if jid:
        return _from_jid(jid["id"], jid["agent"], jid["server"].lower(), raw)
    text = _typed_number(text)
    if text is None:
        return Identity(kind="invalid", raw=raw)
    # Bare digits are read as Brazilian: guessing a foreign country from digit
    # count would turn a mistyped local number into someone abroad.
    number = _parse(text, region="BR")
    if number is None and text.lstrip().startswith("00"):
        # "00" + country code, as dialled from Portugal or Europe; from Brazil the
        # 00 needs a carrier, so a number that failed as Brazilian can be read so.
        number = _parse("+" + text.lstrip()[2:], region=None)
        if number is not None and not phonenumbers.is_valid_number(number):
            number = None  # a mistyped "0011 ..." is not someone abroad
    if number is None:
        return Identity(kind="invalid", raw=raw)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Identity(kind="user", e164=e164, wa_user=e164[1:], raw=raw)


def _typed_number(text: str) -> str | None:
    """The one number written in normalized `text`, or None if there is not exactly one.

    Text with an "@" that was not a JID is some other address (an e-mail, an
    unknown server), never a phone.
    """
    if "@" in text:
        return None
    text = written.without_carrier_placeholder(text.strip())
    text = written.from_tel_uri(text) or text
    if _TYPED.fullmatch(text):
        return text
    return written.phone_in_sentence(text)


def ninth_digit_variants(identity: Identity) -> list[str]:
    """WhatsApp user digits worth asking about: both forms for a Brazilian mobile.

    Accounts created before the migration may still be registered without the 9,
    so a "check number" lookup tries the form WhatsApp wrote first, then the other.
    """
    if identity.kind != "user" or identity.e164 is None:
        return []
    digits = identity.e164[1:]
    candidates = [identity.wa_user or digits, digits]
    if _is_br_mobile_with_ninth_digit(digits):
        candidates.append(digits[:4] + digits[5:])
    return list(dict.fromkeys(candidates))


def _from_jid(user: str, agent: str | None, server: str, raw: str) -> Identity:
    """A JID's digits already carry the country code, so they parse as international."""
    kind = _SERVER_KIND.get(server)
    if agent is not None and kind in ("user", "lid"):
        kind = _AGENT_KIND.get(int(agent))
    elif agent is not None:
        kind = None
    if kind == "broadcast" and user.lower() == "status":
        return Identity(kind="status", wa_user="status", raw=raw)
    if kind is None or user.lower() == "status" or ("-" in user and kind != "group"):
        return Identity(kind="invalid", raw=raw)
    if kind != "user":
        return Identity(kind=kind, wa_user=user, raw=raw)
    number = _parse("+" + user, region=None)
    if number is None:
        return Identity(kind="invalid", raw=raw)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # wa_user keeps WhatsApp's own digits: a 12-digit legacy JID is the routing alias.
    return Identity(kind="user", e164=e164, wa_user=user, raw=raw)


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    """A valid number, with the ninth digit restored on legacy Brazilian mobiles."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    restored = _with_ninth_digit(number)
    if restored is not None:
        return restored
    if phonenumbers.is_valid_number(number):
        return number
    # Abroad, WhatsApp has accounts in ranges libphonenumber's metadata does not know
    # yet; a possible length is enough there. Brazil's ranges we judge ourselves.
    # Such a number is taken only as written: libphonenumber reads runs of leading
    # zeros ("+49 000000") as a different, shorter number.
    international = region is None or text.startswith("+")
    if international and number.country_code != 55 and phonenumbers.is_possible_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return number if e164[1:] == re.sub(r"[^0-9]", "", text) else None
    return None


def _with_ninth_digit(number: PhoneNumber) -> PhoneNumber | None:
    """DDD + 8-digit mobile -> DDD + 9 + 8 digits, if that is a valid mobile today."""
    national = str(number.national_number)
    if (
        number.country_code != 55
        or len(national) != 10
        or national[2] not in _LEGACY_MOBILE_FIRST_DIGITS
    ):
        return None
    candidate = PhoneNumber(country_code=55, national_number=int(national[:2] + "9" + national[2:]))
    is_mobile = phonenumbers.number_type(candidate) == PhoneNumberType.MOBILE
    return candidate if is_mobile and phonenumbers.is_valid_number(candidate) else None


def _is_br_mobile_with_ninth_digit(digits: str) -> bool:
    """55 + DDD + 9 + a local part that could once have been an 8-digit mobile."""
    return (
        len(digits) == 13
        and digits.startswith("55")
        and digits[4] == "9"
        and digits[5] in _LEGACY_MOBILE_FIRST_DIGITS
    )
