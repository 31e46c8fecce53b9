import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ponte.accounts import crypto
from ponte.accounts.scoping import OrgQuerySet
from ponte.text import ERROR_LENGTH


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Proprietário")
    ADMIN = "admin", _("Administrador")
    AGENT = "agent", _("Atendente")


class Member(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    # The member's own settings: how a new message in their chats or the unassigned ones
    # announces itself (the tab title always counts them).
    notify_browser = models.BooleanField(default=True)
    notify_sound = models.BooleanField(default=False)
    # Last request or live connection: "online" for automatic assignment.
    last_seen_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="one_membership")]

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyQuerySet(OrgQuerySet):
    def authenticate(self, presented: str) -> "ApiKey | None":
        """Find the live key for a presented bearer token; the hash is the only stored form."""
        if not (presented.isascii() and presented.isprintable()):  # keys are; NUL breaks PostgreSQL
            return None
        prefix, _, _ = presented.partition(".")
        live = self.filter(prefix=prefix, revoked_at__isnull=True)
        candidate = live.select_related("org").first()
        if candidate and secrets.compare_digest(candidate.hashed, _hash_key(presented)):
            return candidate
        return None


class ApiKey(models.Model):
    """A bearer key for integrators; the plain key is shown once, at creation."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    hashed = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    @classmethod
    def issue(cls, org: Organization, name: str) -> tuple["ApiKey", str]:
        prefix = "pk_" + secrets.token_hex(6)
        plain = f"{prefix}.{secrets.token_urlsafe(32)}"
        return cls.objects.create(org=org, name=name, prefix=prefix, hashed=_hash_key(plain)), plain


class SessionState(models.TextChoices):
    STARTING = "starting", _("Iniciando")
    QRCODE = "qrcode", _("Aguardando leitura do QR code")
    CONNECTED = "connected", _("Conectado")
    DISCONNECTED = "disconnected", _("Desconectado")
    NOTLOGGED = "notlogged", _("Sessão encerrada no celular")
    NEEDS_RESET = "needs_reset", _("Precisa de reset total")


class Instance(models.Model):
    """One WhatsApp number served through one engine."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="instances")
    name = models.CharField(max_length=100, default="WhatsApp")
    engine = models.CharField(max_length=20)  # a name in ponte.engines' registry
    base_url = models.URLField(blank=True)
    # Cloud API: the phone-number id sends go to.
    phone_number_id = models.CharField(max_length=64, blank=True)
    secrets_encrypted = models.JSONField(default=list)
    app_secret_encrypted = models.TextField(blank=True)
    # An engine that signs its posts (the Cloud API) without the secret to check them:
    # unsigned posts are refused unless the operator chose this, and Settings warns.
    allow_unsigned_webhooks = models.BooleanField(default=False)
    webhook_token_encrypted = models.TextField()
    state = models.CharField(max_length=20, choices=SessionState.choices,
                             default=SessionState.DISCONNECTED)
    qr = models.TextField(blank=True)  # the latest QR code image while the engine waits for a scan
    # The session token an engine issued (WPPConnect's), kept so a restart does not
    # regenerate it.
    token_encrypted = models.TextField(blank=True)
    reconnect_attempts = models.PositiveSmallIntegerField(default=0)
    # Which of the secrets last worked: the primary (0) until a reconnect needed an alternate.
    active_secret_index = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=ERROR_LENGTH, blank=True)  # technical, English
    # What kind of failure it was (`EngineError.kind`): the page says it in its language.
    last_error_kind = models.CharField(max_length=20, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Set when the session is healthy again after the last error: it is history then.
    last_error_resolved_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.engine})"

    @property
    def session_name(self) -> str:
        """Stable across resets, so the engine's session survives Ponte's own restarts."""
        return f"ponte-{self.id.hex}"

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.id}/{self.webhook_token}"

    @cached_property
    def webhook_token(self) -> str:
        return crypto.decrypt(self.webhook_token_encrypted)

    def rotate_webhook_token(self) -> None:
        self.webhook_token_encrypted = crypto.encrypt(secrets.token_urlsafe(32))
        self.__dict__.pop("webhook_token", None)

    def accepts_token(self, presented: str) -> bool:
        return secrets.compare_digest(presented.encode(), self.webhook_token.encode())

    @property
    def secrets(self) -> list[str]:
        """The primary secret first, then the alternates tried on reconnect."""
        return [crypto.decrypt(value) for value in self.secrets_encrypted]

    @property
    def active_secret(self) -> str:
        values = self.secrets
        if not values:
            return ""
        return values[self.active_secret_index if self.active_secret_index < len(values) else 0]

    def set_secrets(self, values: list[str]) -> None:
        self.secrets_encrypted = [crypto.encrypt(v) for v in values if v]

    @property
    def token(self) -> str:
        return crypto.decrypt(self.token_encrypted) if self.token_encrypted else ""

    def set_token(self, value: str) -> None:
        self.token_encrypted = crypto.encrypt(value) if value else ""

    @cached_property
    def app_secret(self) -> str:
        return crypto.decrypt(self.app_secret_encrypted) if self.app_secret_encrypted else ""

    def set_app_secret(self, value: str) -> None:
        self.app_secret_encrypted = crypto.encrypt(value) if value else ""
        self.__dict__.pop("app_secret", None)
