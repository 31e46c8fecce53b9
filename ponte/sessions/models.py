from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Instance, Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.text import ERROR_LENGTH


class SessionTransition(models.Model):
    """Every change of an instance's session state, with what caused it."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    cause = models.CharField(max_length=ERROR_LENGTH)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["instance", "-at"])]


class SessionLock(models.Model):
    """Who is working on an instance's engine session right now: a reset, or the supervisor.

    One row per instance at most (the primary key is the instance), so taking the
    lock is an INSERT the database refuses to a second taker; `until` lets a lock
    whose holder died expire.
    """

    instance = models.OneToOneField(Instance, on_delete=models.CASCADE, primary_key=True,
                                    related_name="session_lock")
    holder = models.CharField(max_length=64)
    until = models.DateTimeField()


class SessionReset(models.Model):
    """A "Reset total" running in the background, with the step it is at, for the page."""

    class Step(models.TextChoices):
        WAITING = "waiting", _("Aguardando a verificação em andamento terminar")
        LOGGING_OUT = "logging_out", _("Desconectando o WhatsApp no motor")
        CLEARING = "clearing", _("Apagando os dados da sessão no motor")
        STARTING = "starting", _("Iniciando a sessão no motor")
        QR = "qr", _("Aguardando o QR code do motor")
        DONE = "done", _("Concluído")

    class Outcome(models.TextChoices):
        QRCODE = "qrcode", _("QR code pronto")
        CONNECTED = "connected", _("Conectado")
        STILL_STARTING = "still_starting", _("O motor ainda não mostrou o QR code")
        FAILED = "failed", _("Falhou")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="resets")
    started_at = models.DateTimeField(default=timezone.now)
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.WAITING)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    detail = models.CharField(max_length=ERROR_LENGTH, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["instance", "-started_at"])]
        constraints = [models.UniqueConstraint(
            fields=["instance"], condition=models.Q(finished_at__isnull=True),
            name="one_running_reset_per_instance")]

    @property
    def running(self) -> bool:
        return self.finished_at is None
