"""Creating tenants and their instances."""

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

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


def do_set_app_secret(instance: Instance, app_secret: str) -> None:
    """Webhooks are checked against this secret from now on; the unsigned opt-out ends."""
    instance.set_app_secret(app_secret)
    instance.allow_unsigned_webhooks = False
    instance.save(update_fields=["app_secret_encrypted", "allow_unsigned_webhooks"])


class EngineSettingsRejected(ValueError):
    """Engine settings that cannot be stored; `detail` says why, in English for the CLI."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def check_engine_url(raw: str) -> str:
    """An engine address as stored: http(s), a host, no trailing slash; blank stays blank."""
    url = (raw or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or any(c.isspace() for c in url):
        raise EngineSettingsRejected("invalid_url",
                                     f"{url!r} is not an http:// or https:// address")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise EngineSettingsRejected("invalid_url", f"{url!r} has an invalid port") from None
    return url.rstrip("/")


MAX_SECRETS = 10
MAX_SECRET_LENGTH = 500


def check_engine_secrets(values: list[str]) -> list[str]:
    """Secrets as stored: primary first, blanks dropped, a sane count and length."""
    kept = [value.strip() for value in values if value and value.strip()]
    if len(kept) > MAX_SECRETS or any(len(value) > MAX_SECRET_LENGTH for value in kept):
        raise EngineSettingsRejected(
            "invalid_secrets",
            f"at most {MAX_SECRETS} secrets of at most {MAX_SECRET_LENGTH} characters each")
    return kept


@transaction.atomic
def do_set_engine(instance: Instance, *, base_url: str | None = None,
                  secrets_list: list[str] | None = None,
                  phone_number_id: str | None = None) -> list[str]:
    """Change where the engine is and what it takes; None keeps a setting. Returns what changed.

    The session token and the choice of secret belonged to the old settings: both start over.
    """
    changed = []
    if base_url is not None and base_url != instance.base_url:
        instance.base_url = base_url
        changed.append("base_url")
    if secrets_list is not None and [s for s in secrets_list if s] != instance.secrets:
        instance.set_secrets(secrets_list)
        changed.append("secrets")
    if phone_number_id is not None and phone_number_id.strip() != instance.phone_number_id:
        instance.phone_number_id = phone_number_id.strip()
        changed.append("phone_number_id")
    if changed:
        instance.set_token("")
        instance.active_secret_index = 0
        fields = {"secrets": "secrets_encrypted"}
        instance.save(update_fields=[fields.get(name, name) for name in changed]
                      + ["token_encrypted", "active_secret_index"])
    return changed
