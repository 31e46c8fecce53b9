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
    ],
)
def test_wa_user_keeps_the_digits_whatsapp_routes_to(raw: str, wa_user: str | None) -> None:
    assert canonicalize(raw).wa_user == wa_user


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
        "call me on 11 98765-4321",
        "1-800-FLOWERS",
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
