"""The resolver's promises: every fixture vector, and the same person however written."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ponte.identity.canonical import canonicalize, ninth_digit_variants
from tests.support import fixtures_dir

# The 67 Brazilian area codes (DDDs) in use: 11-99 minus round numbers and these gaps.
UNUSED_DDDS = {23, 25, 26, 29, 36, 39, 52, 56, 57, 58, 59, 72, 76, 78}
DDDS = [str(n) for n in range(11, 100) if n % 10 and n not in UNUSED_DDDS]


PHONES = fixtures_dir() / "phones.json"
VECTORS = json.loads(PHONES.read_text()) if PHONES.is_file() else [None]


@pytest.mark.parametrize(
    "vector", VECTORS, ids=[repr(v["input"]) if v else "missing" for v in VECTORS]
)
def test_every_fixture_vector_canonicalizes_as_documented(vector: dict | None) -> None:
    if vector is None:
        pytest.fail(f"phones.json not found at {PHONES}")
    identity = canonicalize(vector["input"])
    assert (identity.kind, identity.e164) == (vector["kind"], vector["e164"]), vector["note"]
    assert identity.raw == vector["input"]


@pytest.mark.parametrize(
    ("raw", "wa_user"),
    [
        ("551187654321@s.whatsapp.net", "551187654321"),
        ("5511987654321:12@s.whatsapp.net", "5511987654321"),
        ("(11) 8765-4321", "5511987654321"),
        ("123456789012345:3@lid", "123456789012345"),
        ("120363043968017245@g.us", "120363043968017245"),
        ("5511987654321-1600000000@g.us", "5511987654321-1600000000"),
        ("1600000000@broadcast", "1600000000"),
        ("120363144038483540@newsletter", "120363144038483540"),
        ("+55 10 98765-4321", None),
        ("551187654321_0:3@s.whatsapp.net", "551187654321"),
        ("5511987654321@hosted", "5511987654321"),
        ("123456789012345_1:3@s.whatsapp.net", "123456789012345"),
        ("tel:+55-11-98765-4321", "5511987654321"),
    ],
)
def test_wa_user_keeps_the_digits_whatsapp_routes_to(raw: str, wa_user: str | None) -> None:
    assert canonicalize(raw).wa_user == wa_user


@pytest.mark.parametrize(
    "raw",
    [
        "me chama no (11) 98765-4321 depois das 18h",
        "Oi! Meu whats é +55 11 98765-4321.",
        "fone: 0xx11 98765-4321 (comercial)",
        "reunião 03/12/2026 às 18:30, liga no 11 98765-4321",
        "paguei R$ 1.500,00; meu número 11 98765-4321",
        "https://wa.me/5511987654321?text=oi",
    ],
)
def test_the_one_number_in_a_sentence_is_the_person(raw: str) -> None:
    assert canonicalize(raw).e164 == "+5511987654321"


@pytest.mark.parametrize(
    "raw",
    [
        "  +55 11 98765-4321\n",
        "5511987654321@C.US",
        "5511987654321@S.WhatsApp.Net",
        "+5511987654321@c.us",
        "１１ ９８７６５-４３２１",
    ],
)
def test_whitespace_case_and_unicode_digits_do_not_change_the_person(raw: str) -> None:
    assert canonicalize(raw).e164 == "+5511987654321"


@pytest.mark.parametrize(
    "raw",
    [
        "ligue 11 98765-4321 ou 21 99876-5432",
        "pedido 12345678, fone 11 98765-4321",
        "protocolo AB21998765432",
        "1-800-FLOWERS",
        "5511987654321@hosted.example",
        "+55 11 98765-4321\x07",
        "5511987654321@example.com",
        "status@c.us",
        "5511987654321-1600000000@c.us",
        "55119876\x0054321",
        "5" * 300,
        "+55 11 98765-4321" + " " * 300,
    ],
)
def test_prose_foreign_servers_and_oversized_input_are_invalid(raw: str) -> None:
    assert canonicalize(raw).kind == "invalid"


def test_a_brazilian_mobile_is_looked_up_with_and_without_the_ninth_digit() -> None:
    assert ninth_digit_variants(canonicalize("+55 11 98765-4321")) == [
        "5511987654321",
        "551187654321",
    ]


def test_the_form_whatsapp_wrote_is_looked_up_first() -> None:
    assert ninth_digit_variants(canonicalize("551187654321@s.whatsapp.net")) == [
        "551187654321",
        "5511987654321",
    ]


@pytest.mark.parametrize(
    ("raw", "variants"),
    [
        ("+55 11 3456-7890", ["551134567890"]),
        ("0800 046 4636", ["558000464636"]),
        ("+5584920007282", ["5584920007282"]),
        ("+351 912 345 678", ["351912345678"]),
        ("123456789012345@lid", []),
        ("not a number", []),
    ],
)
def test_landlines_new_ranges_and_non_users_get_no_invented_variant(
    raw: str, variants: list[str]
) -> None:
    assert ninth_digit_variants(canonicalize(raw)) == variants


phone_like = st.text(alphabet="0123456789+ -().@:", max_size=40)
jid_like = st.builds(
    lambda digits, server: f"{digits}@{server}",
    st.text(alphabet="0123456789", min_size=1, max_size=16),
    st.sampled_from(["c.us", "s.whatsapp.net", "g.us", "lid", "broadcast", "newsletter"]),
)
any_text = st.one_of(st.text(), st.text(max_size=1000), phone_like, jid_like)


@given(any_text)
def test_canonicalize_never_raises_and_keeps_the_raw_input(raw: str) -> None:
    identity = canonicalize(raw)
    assert identity.raw == raw
    assert (identity.e164 is not None) == (identity.kind == "user")


@given(st.one_of(phone_like, jid_like))
def test_a_users_e164_canonicalizes_to_itself(raw: str) -> None:
    identity = canonicalize(raw)
    if identity.kind == "user":
        again = canonicalize(identity.e164)
        assert (again.kind, again.e164) == ("user", identity.e164)


@st.composite
def written_br_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """One legacy-capable mobile written as people and engines write it, and its e164."""
    ddd = draw(st.sampled_from(DDDS))
    local = draw(st.sampled_from("6789")) + draw(st.text("0123456789", min_size=7, max_size=7))
    subscriber = draw(st.sampled_from(["9" + local, local]))
    expected = f"+55{ddd}9{local}"
    head, tail = subscriber[:-4], subscriber[-4:]
    written = draw(
        st.sampled_from(
            [
                f"+55 ({ddd}) {head}-{tail}",
                f"+55{ddd}{subscriber}",
                f"+55-{ddd}-{head}-{tail}",
                f"55 {ddd} {head} {tail}",
                f"55{ddd}{subscriber}",
                f"({ddd}) {head}-{tail}",
                f"0{ddd} {head}-{tail}",
                f"{ddd}.{head}.{tail}",
                f" {ddd}{subscriber} ",
                f"55{ddd}{subscriber}@c.us",
                f"55{ddd}{subscriber}@s.whatsapp.net",
                f"55{ddd}{subscriber}:7@s.whatsapp.net",
            ]
        )
    )
    return written, expected


@given(written_br_mobiles())
def test_a_brazilian_mobile_in_any_common_form_is_one_person(case: tuple[str, str]) -> None:
    written, expected = case
    identity = canonicalize(written)
    assert (identity.kind, identity.e164) == ("user", expected), written
    assert expected[1:] in ninth_digit_variants(identity)


# Separators as keyboards, word processors and phones write them: no-break,
# narrow, figure and ideographic spaces; hyphen, non-breaking hyphen, en and em
# dashes, minus sign, full-width hyphen.
SEPARATORS = [" ", "-", ".", "", "\u00a0", "\u202f", "\u2007", "\u3000",
              "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\uff0d"]
# Invisible marks a copied number carries: bidi embeddings and isolates, LRM,
# zero-width space, BOM.
INVISIBLE = ["", "\u202a", "\u202c", "\u2066", "\u2069", "\u200e", "\u200b", "\ufeff"]
# Zero of each digit script tried: ASCII, full-width, Arabic-Indic, extended
# Arabic-Indic, Devanagari, Bengali, mathematical bold.
DIGIT_ZEROS = [0x30, 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x1D7CE]
FOREIGN = [("351", "912345678"), ("1", "6502530000"), ("44", "7400123456"),
           ("49", "15123456789"), ("54", "91123456789"), ("33", "612345678")]
CARRIERS = ["12", "14", "15", "21", "31", "41"]


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    """(country code, national digits as written, expected e164)."""
    kind = draw(st.sampled_from(["mobile", "landline", "foreign"]))
    if kind == "foreign":
        country, national = draw(st.sampled_from(FOREIGN))
        return country, national, f"+{country}{national}"
    ddd = draw(st.sampled_from(DDDS))
    rest = draw(st.text("0123456789", min_size=7, max_size=7))
    if kind == "landline":
        local = draw(st.sampled_from("2345")) + rest
        return "55", ddd + local, f"+55{ddd}{local}"
    local = draw(st.sampled_from("6789")) + rest
    return "55", ddd + draw(st.sampled_from(["9", ""])) + local, f"+55{ddd}9{local}"


def _grouped(draw: st.DrawFn, digits: str) -> str:
    """Digits cut at random places, each cut a random separator (or none)."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    pieces = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    out = pieces[0]
    for piece in pieces[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + draw(st.sampled_from(SEPARATORS)) + piece
    return out


def _in_script(draw: st.DrawFn, text: str) -> str:
    """Each ASCII digit possibly rewritten in another script, mixed freely."""
    return "".join(
        chr(draw(st.sampled_from(DIGIT_ZEROS)) + int(ch)) if ch.isdigit() else ch for ch in text
    )


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid number in any form people or engines write it, and its e164."""
    country, national, expected = draw(valid_numbers())
    brazilian = country == "55"
    ddd, subscriber = national[:2], national[2:]
    head, tail = subscriber[:-4], subscriber[-4:]
    forms = ["plus", "double_zero", "tel", "jid"]
    if brazilian:
        forms += ["national", "trunk", "placeholder", "carrier", "tel_local", "sentence"]
    form = draw(st.sampled_from(forms))
    if form == "jid":
        agent = draw(st.sampled_from(["", "_0", "_128", ".0"]))
        device = draw(st.sampled_from(["", ":1", ":23"]))
        server = draw(st.sampled_from(["s.whatsapp.net", "c.us", "hosted", "S.WhatsApp.Net"]))
        return f"{country}{national}{agent}{device}@{server}", expected
    if form == "sentence":
        phone = draw(st.sampled_from([f"({ddd}) {head}-{tail}", f"{ddd} {head} {tail}",
                                      f"+55 {ddd} {head}-{tail}", f"0xx{ddd} {head}-{tail}"]))
        phone = phone.replace(" ", draw(st.sampled_from([" ", "\u00a0", "\u202f"])))
        phone = phone.replace("-", draw(st.sampled_from(["-", "\u2013", "\u2011", " "])))
        before = draw(st.sampled_from(["me chama no", "Oi, meu whats é", "fone:", "tel.", "➡"]))
        after = draw(st.sampled_from(["", ".", "!", " depois das 18h", " (comercial)",
                                      " até 03/12/2026", ", obrigado"]))
        return _in_script(draw, f"{before} {phone}{after}"), expected
    grouped = _grouped(draw, national)
    written = {
        "plus": f"+{country}" + draw(st.sampled_from(SEPARATORS)) + grouped,
        # From Brazil "00" needs a carrier ("0055 66..." is Thailand via carrier 55);
        # from abroad it is "00" + country code.
        "double_zero": (f"00{draw(st.sampled_from(CARRIERS))} 55 " if brazilian
                        else f"00{country} ") + grouped,
        "tel": f"tel:+{country}-" + _grouped(draw, national).replace(" ", "-"),
        "national": f"({ddd}) " + _grouped(draw, subscriber),
        "trunk": "0" + grouped,
        "placeholder": draw(st.sampled_from(["0xx", "0XX", "(0xx", "0 xx "]))
        + ddd + draw(st.sampled_from([" ", ") ", ""])) + _grouped(draw, subscriber),
        "carrier": f"0 {draw(st.sampled_from(CARRIERS))} " + grouped,
        "tel_local": f"tel:{head}-{tail};phone-context=+55-{ddd}",
    }[form]
    if form == "placeholder" and written.startswith("(") and ")" not in written:
        written = written.replace("(", "", 1)
    mark = draw(st.sampled_from(INVISIBLE))
    return mark + _in_script(draw, written) + draw(st.sampled_from(INVISIBLE)), expected


@given(written_numbers())
def test_any_formatting_of_a_valid_number_is_the_same_person(case: tuple[str, str]) -> None:
    written, expected = case
    identity = canonicalize(written)
    assert (identity.kind, identity.e164) == ("user", expected), written
    assert canonicalize(expected).e164 == expected


@given(written_numbers(), written_numbers())
def test_a_sentence_with_two_numbers_names_nobody(first: tuple[str, str],
                                                 second: tuple[str, str]) -> None:
    one, other = (canonicalize(w).e164 for w, _ in (first, second))
    sentence = f"ligue {one[1:]} ou {other[1:]} amanhã"
    assert canonicalize(sentence).kind == "invalid"


writing_like = st.text(
    alphabet=st.sampled_from([*"0123456789+-().:;@_/$,%xXtelR ", *SEPARATORS[4:],
                              *INVISIBLE[1:], "１", "٣", "²", "é", "\x00"]),
    max_size=80,
)


@given(writing_like)
def test_mangled_writing_never_raises_and_a_user_is_always_a_valid_e164(raw: str) -> None:
    identity = canonicalize(raw)
    assert identity.raw == raw
    if identity.kind == "user":
        assert identity.e164 is not None and identity.e164[1:].isdigit()
        assert canonicalize(identity.e164).e164 == identity.e164
