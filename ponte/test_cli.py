"""`ponte init` as an operator runs it."""

import json

import pytest
from django.test import Client

from ponte.accounts.models import Instance, Organization
from ponte.cli import main
from tests.support import fixtures_dir

pytestmark = pytest.mark.django_db(transaction=True)
CLOUD = ["init", "--org", "Loja", "--engine", "cloudapi", "--secret", "EAAG-token",
         "--phone-number-id", "1065403522", "--json"]


def post_unsigned(webhook_url: str) -> int:
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    return Client().post(webhook_url, data=body, content_type="application/json").status_code


def test_a_cloud_api_instance_needs_its_app_secret(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(CLOUD)
    assert "--app-secret" in str(stopped.value)
    assert "--allow-unsigned-webhooks" in str(stopped.value)
    assert not Organization.objects.exists()


def test_with_the_app_secret_unsigned_posts_are_refused(capsys):
    main([*CLOUD, "--app-secret", "meta-app-secret"])
    made = json.loads(capsys.readouterr().out)
    assert Instance.objects.get().app_secret == "meta-app-secret"
    assert post_unsigned(made["webhook_url"]) == 401


def test_the_unsigned_opt_out_is_explicit_and_loud(capsys):
    main([*CLOUD, "--allow-unsigned-webhooks"])
    printed = capsys.readouterr()
    made = json.loads(printed.out)
    assert "WARNING" in printed.err and "fake messages" in printed.err
    assert Instance.objects.get().allow_unsigned_webhooks
    assert post_unsigned(made["webhook_url"]) == 200


def test_engines_that_do_not_sign_need_no_app_secret(capsys):
    main(["init", "--org", "Loja", "--engine", "wppconnect", "--json"])
    assert json.loads(capsys.readouterr().out)["instance_id"]
