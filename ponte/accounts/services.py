"""Creating tenants and their instances."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from ponte.accounts.models import ApiKey, Instance, Member, Organization, Role


@dataclass(frozen=True)
class Provisioned:
    org: Organization
    instance: Instance
    api_key: str
    owner_email: str
    owner_password: str


@transaction.atomic
def do_create_instance(
    org: Organization, engine: str, *, base_url: str = "", secrets_list: list[str] | None = None,
    app_secret: str = "", phone_number_id: str = "", name: str = "WhatsApp",
    allow_unsigned_webhooks: bool = False,
) -> Instance:
    instance = Instance(org=org, engine=engine, base_url=base_url, name=name,
                        phone_number_id=phone_number_id,
                        allow_unsigned_webhooks=allow_unsigned_webhooks)
    instance.set_secrets(secrets_list or [])
    instance.set_app_secret(app_secret)
    instance.rotate_webhook_token()
    instance.save()
    return instance


@transaction.atomic
def do_provision_organization(
    name: str, engine: str, *, engine_url: str = "", secrets_list: list[str] | None = None,
    owner_email: str | None = None, app_secret: str = "", phone_number_id: str = "",
    allow_unsigned_webhooks: bool = False,
) -> Provisioned:
    """Organization, its first instance, an owner and an API key: what `ponte init` prints.

    `engine` is a name the engines' registry knows; `ponte init` checks it first.
    """
    org = Organization.objects.create(name=name)
    instance = do_create_instance(org, engine, base_url=engine_url, secrets_list=secrets_list,
                                  app_secret=app_secret, phone_number_id=phone_number_id,
                                  allow_unsigned_webhooks=allow_unsigned_webhooks)
    email = owner_email or f"owner-{org.id.hex[:8]}@ponte.local"
    password = secrets.token_urlsafe(12)
    user = get_user_model().objects.create_user(username=email, email=email, password=password)
    Member.objects.create(org=org, user=user, role=Role.OWNER)
    _, plain_key = ApiKey.issue(org, "ponte init")
    return Provisioned(org, instance, plain_key, email, password)


def do_rotate_webhook_token(instance: Instance) -> None:
    """A new secret in the webhook URL: the old URL stops working at once."""
    instance.rotate_webhook_token()
    instance.save(update_fields=["webhook_token_encrypted"])


def do_set_engine_address(instance: Instance, base_url: str) -> None:
    """Point the instance at another engine server; its session token was the old one's."""
    instance.base_url = base_url
    instance.set_token("")
    instance.save(update_fields=["base_url", "token_encrypted"])


def do_set_app_secret(instance: Instance, app_secret: str) -> None:
    """Webhooks are checked against this secret from now on; the unsigned opt-out ends."""
    instance.set_app_secret(app_secret)
    instance.allow_unsigned_webhooks = False
    instance.save(update_fields=["app_secret_encrypted", "allow_unsigned_webhooks"])
