"""Hostile webhook bodies: deep nesting, huge numbers and invalid Unicode never give a 500,
and a message that carries bad characters is stored with them replaced, never lost."""

import json
import math
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.cloudapi import sign
from ponte.conversations.models import Message
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import drain
from tests.support import addressed_to, fixtures_dir, load_fixture

pytestmark = pytest.mark.django_db(transaction=True)

APP_SECRET = "hostile-test-secret"
# One real text message per engine, and where its text sits.
TEXT_MESSAGES = {
    "wppconnect": ("wppconnect/onmessage-text.json", ["body"]),
    "evolution": ("evolution/messages.upsert-text.json", ["data", "message", "conversation"]),
    "cloudapi": ("cloudapi/text.json",
                 ["entry", 0, "changes", 0, "value", "messages", 0, "text", "body"]),
}
HOLE = "__hostile__"


def post(tenant, body: bytes):
    headers = {}
    if tenant.instance.engine == "cloudapi":
        headers["X-Hub-Signature-256"] = sign(body, APP_SECRET)
    return Client(raise_request_exception=False).post(
        tenant.instance.webhook_path, data=body, content_type="application/json", headers=headers)


@pytest.fixture(params=list(TEXT_MESSAGES))
def engine_tenant(request, make_tenant):
    return make_tenant(request.param, app_secret=APP_SECRET)


def text_message(instance) -> tuple[dict, list]:
    name, text_path = TEXT_MESSAGES[instance.engine]
    return addressed_to(load_fixture(fixtures_dir() / name), instance.session_name), text_path


def leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path from the top of a body to a value that is not an object or a list."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return [prefix]
    return [path for key, child in items for path in leaf_paths(child, (*prefix, key))]


def put(body: Any, path: tuple | list, value: Any) -> None:
    for key in path[:-1]:
        body = body[key]
    body[path[-1]] = value


def must_be_kept(raw: str) -> bool:
    """A string (bad characters get replaced) or a number that fits 64 bits and is finite."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) or isinstance(value, int) and abs(value) < 2**63


def nested(depth: int, kind: str) -> str:
    return ("[" * depth + "]" * depth) if kind == "list" else '{"a":' * depth + "1" + "}" * depth


huge_numbers = st.one_of(
    st.integers(min_value=20, max_value=6000).map(lambda digits: "9" * digits),
    st.integers(min_value=20, max_value=6000).map(lambda digits: "-1" + "0" * digits),
    st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9223372036854775808"]),
    # Within 64 bits, yet far from any real timestamp, id or count.
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1).map(str),
    st.sampled_from(["1e300", "-1e300", "1.5", "-0.0", "4294967296", "253402300800"]),
)
deep_nesting = st.builds(nested, st.integers(min_value=65, max_value=3000),
                         st.sampled_from(["list", "dict"]))
invalid_unicode = st.lists(
    st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr), st.just("\x00")),
    min_size=1, max_size=20,
).map(lambda chars: json.dumps("".join(chars)))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), raw=st.one_of(huge_numbers, deep_nesting, invalid_unicode))
def test_hostile_values_anywhere_in_a_body_get_a_4xx_or_are_kept(engine_tenant, data, raw):
    body, _ = text_message(engine_tenant.instance)
    put(body, data.draw(st.sampled_from(leaf_paths(body))), HOLE)
    text = json.dumps(body).replace(json.dumps(HOLE), raw).encode()
    InboxEvent.objects.all().delete()

    response = post(engine_tenant, text)
    drain()

    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response.json()["error"] in {"too_deep", "number_too_large", "malformed_json"}
        assert not must_be_kept(raw), "refused a value Ponte can hold"
        assert not InboxEvent.objects.exists()
    assert not InboxEvent.objects.filter(attempts__gt=0).exists(), "the worker failed on it"
    assert not InboxEvent.objects.filter(state=InboxEvent.State.PENDING).exists()


@pytest.mark.parametrize("raw", ['"a\\ud800b\\u0000c"', '"\\udfff"', '"oi \\ud83d"'])
def test_a_text_with_lone_surrogates_or_nul_is_stored_with_them_replaced(engine_tenant, raw):
    body, text_path = text_message(engine_tenant.instance)
    put(body, text_path, HOLE)

    response = post(engine_tenant, json.dumps(body).replace(json.dumps(HOLE), raw).encode())
    drain()

    assert response.status_code == 200
    assert InboxEvent.objects.get().state == InboxEvent.State.DONE
    assert Message.objects.get().text == json.loads(raw.replace("\\ud800", "\\ufffd")
                                                    .replace("\\u0000", "\\ufffd")
                                                    .replace("\\udfff", "\\ufffd")
                                                    .replace("\\ud83d", "\\ufffd"))


@pytest.mark.parametrize("raw", [nested(1000, "list"), nested(1000, "dict"), "9" * 4301,
                                 "-" + "1" * 5000])
def test_deep_nesting_and_huge_integers_get_a_400_naming_why(engine_tenant, raw):
    body, text_path = text_message(engine_tenant.instance)
    put(body, text_path, HOLE)

    response = post(engine_tenant, json.dumps(body).replace(json.dumps(HOLE), raw).encode())

    assert response.status_code == 400
    assert response.json()["error"] == ("too_deep" if raw[0] in "[{" else "number_too_large")
    assert response.json()["detail"]
