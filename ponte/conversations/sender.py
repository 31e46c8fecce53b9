"""The outbound sender: pending messages go to the engine, each reaching WhatsApp once.

A message row is the job. The sender claims due rows with a lease, sends, and
records the engine's id. Transient failures come back later with exponential
backoff and jitter; a send whose answer was lost is looked for in the chat (the
engine's echo or its history) before anything is sent again.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ponte.background import BackgroundLoop
from ponte.conversations.contacts import do_record_wa_id
from ponte.conversations.models import Message, MessageStatus
from ponte.conversations.storing import do_attach_engine_id, publish_message_changed
from ponte.db import serialized_writes
from ponte.diagnostics.metrics import SENDS
from ponte.engines.base import EngineError
from ponte.engines.calls import EngineCall, EngineCaller, is_configured, keeps_history
from ponte.text import clip_error

LEASE = timedelta(minutes=2)
WA_ID_FRESH_FOR = timedelta(days=30)
POLL_SECONDS = 1.0


def claim_due(limit: int = 20) -> list[int]:
    """Due pending messages, leased so that no other sender takes them meanwhile."""
    now = timezone.now()
    with serialized_writes(), transaction.atomic():
        due = (Message.objects.filter(direction=Message.Direction.OUTBOUND,
                                      status=MessageStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        Message.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def backoff(attempts: int) -> timedelta:
    base = settings.PONTE_SEND_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    capped = min(base, settings.PONTE_SEND_BACKOFF_MAX_SECONDS)
    return timedelta(seconds=capped * random.uniform(0.5, 1.0))


class Sender:
    """Sends due messages through their instances' engines, one try each per pass."""

    def __init__(self) -> None:
        self.caller = EngineCaller()

    def close(self) -> None:
        self.caller.close()

    def run_pass(self) -> float | None:
        return 0 if self.send_due() else None

    def send_due(self) -> int:
        ids = claim_due()
        for message_id in ids:
            self.deliver(message_id)
        return len(ids)

    def call(self, message: Message, make_call: EngineCall):
        return self.caller.call(message.instance, make_call)

    def deliver(self, message_id: int) -> None:
        message = (Message.objects.select_related("instance", "conversation__contact")
                   .filter(pk=message_id).first())
        if message is None or message.status != MessageStatus.PENDING \
                or message.engine_message_id:
            return  # sent meanwhile (its echo arrived) or deleted
        if not is_configured(message.instance):
            do_fail_message(message, "The WhatsApp instance has no engine configured.")
            return
        try:
            if message.outcome_unknown_at is not None:
                self.reconcile(message)
            else:
                self.send(message)
        except EngineError as exc:
            self.failed_attempt(message, exc)

    def wa_id_for(self, message: Message) -> str:
        """The id WhatsApp knows this person by: the engine answers the ninth-digit question."""
        contact = message.conversation.contact
        fresh = contact.wa_checked_at and timezone.now() - contact.wa_checked_at < WA_ID_FRESH_FOR
        if contact.wa_id and fresh:
            return contact.wa_id
        check = self.call(message, lambda client: client.check_number(contact.e164.lstrip("+")))
        if not check.exists or not check.wa_id:
            raise EngineError("this number is not on WhatsApp")
        do_record_wa_id(contact, check.wa_id)
        return check.wa_id

    def send(self, message: Message) -> None:
        wa_id = self.wa_id_for(message)
        do_count_attempt(message)
        sent = self.call(message, lambda client: client.send_text(wa_id, message.text))
        do_attach_engine_id(message, sent.engine_message_id)
        SENDS.labels("sent").inc()

    def reconcile(self, message: Message) -> None:
        """Did the lost send reach WhatsApp? Look in the chat before sending again."""
        history = keeps_history(message.instance)
        if history:
            wa_id = self.wa_id_for(message)
            recent = self.call(message, lambda client: client.recent_messages(wa_id))
            known = set(Message.objects.filter(
                instance_id=message.instance_id,
                engine_message_id__in=[r.engine_message_id for r in recent],
            ).values_list("engine_message_id", flat=True))
            for candidate in recent:
                if candidate.from_me and candidate.text == message.text \
                        and candidate.engine_message_id not in known:
                    do_attach_engine_id(message, candidate.engine_message_id)
                    SENDS.labels("reconciled").inc()
                    return
        waited = timezone.now() - message.outcome_unknown_at
        window = timedelta(seconds=settings.PONTE_RECONCILE_DELAY_SECONDS
                           * settings.PONTE_RECONCILE_CHECKS)
        if waited < window:
            do_look_again_later(message, window / settings.PONTE_RECONCILE_CHECKS)
        elif history:
            # Not in the engine's history after the whole window: it never went out.
            do_send_again(message)
        else:
            do_fail_message(message, "The engine never answered; the message may have been "
                                     "delivered. Check the phone before retrying.")

    def failed_attempt(self, message: Message, exc: EngineError) -> None:
        if exc.outcome_unknown:
            do_await_outcome(message, exc.detail)
        elif (exc.transient or exc.auth) and message.attempts < settings.PONTE_SEND_MAX_ATTEMPTS:
            SENDS.labels("retried").inc()
            do_retry_later(message, exc.detail, backoff(message.attempts))
        else:
            do_fail_message(message, exc.detail)


sending = BackgroundLoop("ponte-sender", Sender, period=lambda: POLL_SECONDS)


# What becomes of a try. Each applies only while the message still waits to go out: an
# echo may have settled it meanwhile. Only a failure changes what the chat shows, so only
# it publishes.

def _still_waiting(message: Message):
    return Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING,
                                  engine_message_id__isnull=True)


def do_count_attempt(message: Message) -> None:
    _still_waiting(message).update(attempts=message.attempts + 1)
    message.attempts += 1


def do_retry_later(message: Message, error: str, delay: timedelta) -> None:
    _still_waiting(message).update(error=clip_error(error),
                                   next_attempt_at=timezone.now() + delay)


def do_await_outcome(message: Message, error: str) -> None:
    """The send went out and no answer came: look for it before sending anything again."""
    now = timezone.now()
    _still_waiting(message).update(
        outcome_unknown_at=now, error=clip_error(error),
        next_attempt_at=now + timedelta(seconds=settings.PONTE_RECONCILE_DELAY_SECONDS))


def do_look_again_later(message: Message, delay: timedelta) -> None:
    _still_waiting(message).update(next_attempt_at=timezone.now() + delay)


def do_send_again(message: Message) -> None:
    _still_waiting(message).update(outcome_unknown_at=None, next_attempt_at=timezone.now())


def do_fail_message(message: Message, reason: str) -> None:
    with transaction.atomic():
        failed = _still_waiting(message).update(status=MessageStatus.FAILED,
                                                error=clip_error(reason), next_attempt_at=None)
        if failed:
            SENDS.labels("failed").inc()
            publish_message_changed(message.org_id, message.conversation_id, message.pk)
