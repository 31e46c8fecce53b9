"""The webhook endpoint's promises: durable, idempotent, and polite to bad input."""

import json

import pytest
from django.test import Client, override_settings

from emulators.cloudapi import sign
from ponte.conversations.models import Contact, Conversation, Message
from ponte.diagnostics.models import DiagnosticEntry
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import drain
from ponte.privacy.models import DroppedCount
from tests.support import addressed_to, fixtures_dir, load_fixture, webhook_fixtures
from tests.support import wppconnect_text as text_message

pytestmark = pytest.mark.django_db(transaction=True)


def post(client: Client, path: str, body, **headers):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", headers=headers)


APP_SECRET = "test-app-secret"


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    """What Meta sends; the engines that do not sign ignore the header."""
    return sign(body, secret)


def api_get(client: Client, key: str, path: str):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def test_wrong_or_missing_token_gets_404_and_stores_nothing(make_tenant):
    tenant = make_tenant()
    client = Client()
    wrong = f"/webhooks/{tenant.instance.id}/not-the-token"
    assert post(client, wrong, text_message()).status_code == 404
    other = "/webhooks/00000000-0000-0000-0000-000000000000/x"
    assert post(client, other, text_message()).status_code == 404
    missing = client.post(f"/webhooks/{tenant.instance.id}/")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert InboxEvent.objects.count() == 0
    assert DiagnosticEntry.objects.count() == 0


def test_accepted_body_is_committed_before_the_answer(make_tenant):
    tenant = make_tenant()
    response = post(Client(), tenant.instance.webhook_path, text_message())
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    assert InboxEvent.objects.filter(state="pending").count() == 1


def test_same_message_delivered_twice_is_stored_once(make_tenant):
    tenant = make_tenant()
    client = Client()
    for _ in range(2):
        assert post(client, tenant.instance.webhook_path, text_message()).status_code == 200
    drain()
    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1


@override_settings(PONTE_MAX_WEBHOOK_BYTES=1000)
def test_body_over_the_cap_gets_413(make_tenant):
    tenant = make_tenant()
    response = post(Client(), tenant.instance.webhook_path, text_message(body="x" * 2000))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert InboxEvent.objects.count() == 0


def test_malformed_json_gets_400_and_a_diagnostic_entry(make_tenant):
    tenant = make_tenant()
    response = post(Client(), tenant.instance.webhook_path, b'{"event": "onmessage",')
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    entry = DiagnosticEntry.objects.get()
    assert (entry.status_code, entry.outcome) == (400, "malformed_json")
    assert tenant.instance.webhook_token not in entry.path
    assert InboxEvent.objects.count() == 0


def test_json_list_gets_400(make_tenant):
    tenant = make_tenant()
    response = post(Client(), tenant.instance.webhook_path, [text_message()])
    assert response.status_code == 400
    assert response.json()["error"] == "not_an_object"


def test_unknown_event_is_acknowledged_and_kept_for_review(make_tenant):
    tenant = make_tenant()
    response = post(Client(), tenant.instance.webhook_path, {"event": "brand-new", "x": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    kept = InboxEvent.objects.get()
    assert kept.state == "failed" and "brand-new" in kept.body
    assert DiagnosticEntry.objects.get().outcome == "unknown_event"
    assert Message.objects.count() == 0


def test_hostile_bytes_never_cause_a_500(make_tenant):
    tenant = make_tenant()
    client = Client()
    for body in [b"", b"\xff\xfe\x00", b"null", b"42", b'"text"', b"{}", b'{"event": null}',
                 json.dumps({"event": "onmessage", "id": {"nested": [1, 2]}}).encode()]:
        assert post(client, tenant.instance.webhook_path, body).status_code < 500


def test_group_message_leaves_only_a_counter(make_tenant):
    tenant = make_tenant()
    group = addressed_to(load_fixture(
        fixtures_dir() / "wppconnect" / "onmessage-group-text-quoted.json"),
        tenant.instance.session_name)
    response = post(Client(), tenant.instance.webhook_path, group)
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert InboxEvent.objects.count() == 0
    assert Contact.objects.count() == 0
    assert DroppedCount.objects.get(reason="group").count == 1


@pytest.mark.parametrize("engine", ["wppconnect", "evolution", "cloudapi"])
def test_every_fixture_is_accepted_and_a_second_round_adds_nothing(make_tenant, engine):
    tenant = make_tenant(engine, app_secret=APP_SECRET)
    client = Client()

    def post_all() -> None:
        for path in webhook_fixtures(engine):
            body = addressed_to(load_fixture(path), tenant.instance.session_name)
            body = json.dumps(body).encode()
            response = post(client, tenant.instance.webhook_path, body,
                            **{"X-Hub-Signature-256": signature(body)})
            assert response.status_code == 200, (path.name, response.content)
        while drain():
            pass

    post_all()
    first = api_get(client, tenant.api_key, "/api/v1/conversations").json()["items"]
    stored = Message.objects.count()
    assert first and stored
    for chat in first:
        assert chat["contact"]["e164"] is None or chat["contact"]["e164"].startswith("+")
    post_all()
    assert Message.objects.count() == stored
    assert api_get(client, tenant.api_key, "/api/v1/conversations").json()["items"] == first
    assert not InboxEvent.objects.filter(state="failed").exists()


def test_cloud_api_signature_is_checked_when_an_app_secret_is_set(make_tenant):
    tenant = make_tenant("cloudapi", app_secret="test-app-secret")
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    client = Client()
    unsigned = post(client, tenant.instance.webhook_path, body)
    assert unsigned.status_code == 401
    bad = post(client, tenant.instance.webhook_path, body, **{"X-Hub-Signature-256": "sha256=00"})
    assert bad.status_code == 401
    good_sig = signature(body)
    good = post(client, tenant.instance.webhook_path, body, **{"X-Hub-Signature-256": good_sig})
    assert good.status_code == 200
    assert InboxEvent.objects.count() == 1


def test_cloud_api_without_an_app_secret_refuses_unsigned_posts(make_tenant):
    tenant = make_tenant("cloudapi")
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    assert post(Client(), tenant.instance.webhook_path, body).status_code == 401
    assert InboxEvent.objects.count() == 0


def test_cloud_api_unsigned_posts_pass_only_with_the_explicit_opt_out(make_tenant):
    tenant = make_tenant("cloudapi", allow_unsigned_webhooks=True)
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    assert post(Client(), tenant.instance.webhook_path, body).status_code == 200
    assert InboxEvent.objects.count() == 1


def test_cloud_api_verification_handshake_echoes_the_challenge(make_tenant):
    tenant = make_tenant("cloudapi")
    client = Client()
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444",
              "hub.verify_token": tenant.instance.webhook_token}
    response = client.get(tenant.instance.webhook_path, params)
    assert response.status_code == 200 and response.content == b"1158201444"
    params["hub.verify_token"] = "wrong"
    assert client.get(tenant.instance.webhook_path, params).status_code == 403


def test_one_bad_stored_body_does_not_hold_back_the_rest_of_its_batch(make_tenant):
    tenant = make_tenant()
    good = [InboxEvent.objects.create(org_id=tenant.org.pk, instance=tenant.instance,
                                      body=json.dumps(text_message(message_id=f"OK{n}")))
            for n in range(3)]
    bad = InboxEvent.objects.create(org_id=tenant.org.pk, instance=tenant.instance,
                                    body="{truncated")
    assert drain() == 4
    assert Message.objects.count() == 3
    assert set(InboxEvent.objects.filter(pk__in=[e.pk for e in good])
               .values_list("state", flat=True)) == {"done"}
    bad.refresh_from_db()
    assert bad.state == "failed" and bad.error


def test_evolution_apikey_in_a_webhook_body_is_never_stored(make_tenant):
    tenant = make_tenant("evolution")
    body = addressed_to(load_fixture(fixtures_dir() / "evolution" / "messages.upsert-text.json"),
                        tenant.instance.session_name)
    apikey = body["apikey"]
    assert apikey
    assert post(Client(), tenant.instance.webhook_path, body).status_code == 200
    stored = InboxEvent.objects.get()
    assert apikey not in stored.body
    drain()
    assert Message.objects.count() == 1


@pytest.mark.parametrize("engine", ["wppconnect", "evolution"])
def test_a_webhook_naming_another_session_is_logged_and_nothing_of_it_stored(make_tenant, engine):
    tenant = make_tenant(engine)
    name = {"wppconnect": "onmessage-text.json", "evolution": "messages.upsert-text.json"}[engine]
    body = load_fixture(fixtures_dir() / engine / name)
    key = "session" if engine == "wppconnect" else "instance"
    body[key] = "outra-loja"

    response = post(Client(), tenant.instance.webhook_path, body)
    drain()

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert "outra-loja" in response.json()["detail"]
    assert not InboxEvent.objects.exists() and not Message.objects.exists()
    entry = DiagnosticEntry.objects.get()
    assert entry.outcome == "wrong_session" and tenant.instance.session_name in entry.error
    body[key] = tenant.instance.session_name
    assert post(Client(), tenant.instance.webhook_path, body).json() == {"status": "accepted"}
