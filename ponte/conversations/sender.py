"""The outbound sender: pending messages go to the engine, each reaching WhatsApp once.

A message row is the job. The sender claims due rows with a lease, sends, and
records the engine's id. Transient failures come back later with exponential
backoff and jitter; a send whose answer was lost is looked for in the chat (the
engine's echo or its history) before anything is sent again.
"""

import asyncio
import logging
import random
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from ponte.conversations import realtime
from ponte.conversations.models import Message, MessageStatus
from ponte.conversations.services import do_attach_engine_id
from ponte.db import serialized_writes
from ponte.diagnostics.metrics import SENDS
from ponte.diagnostics.services import record_engine_calls
from ponte.engines.base import EngineClient, EngineError
from ponte.engines.registry import client_for

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
WA_ID_FRESH_FOR = timedelta(days=30)
_wake = threading.Event()


def wake() -> None:
    _wake.set()


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
    """Runs engine calls on its own event loop; database work stays synchronous."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: dict[object, tuple[EngineClient, list]] = {}

    def close(self) -> None:
        for client, _ in self.clients.values():
            self.loop.run_until_complete(client.aclose())
        self.loop.close()

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def client(self, instance) -> tuple[EngineClient, list]:
        cached = self.clients.get(instance.pk)
        if cached is None:
            records: list = []
            client = client_for(instance, recorder=records.append)
            token = instance.token
            if token and hasattr(client, "token"):
                client.token = token
            cached = self.clients[instance.pk] = (client, records)
        return cached

    def send_due(self) -> int:
        ids = claim_due()
        for message_id in ids:
            self.deliver(message_id)
        return len(ids)

    def deliver(self, message_id: int) -> None:
        message = (Message.objects.select_related("instance", "conversation__contact")
                   .filter(pk=message_id).first())
        if message is None or message.status != MessageStatus.PENDING \
                or message.engine_message_id:
            return  # sent meanwhile (its echo arrived) or deleted
        if not message.instance.is_configured:
            self.give_up(message, "The WhatsApp instance has no engine configured.")
            return
        client, records = self.client(message.instance)
        try:
            if message.outcome_unknown_at is not None:
                self.reconcile(message, client)
            else:
                self.send(message, client)
        except EngineError as exc:
            self.failed_attempt(message, exc)
        finally:
            if records:
                record_engine_calls(message.instance, records)
                records.clear()

    def wa_id_for(self, message: Message, client: EngineClient) -> str:
        """The id WhatsApp knows this person by: the engine answers the ninth-digit question."""
        contact = message.conversation.contact
        fresh = contact.wa_checked_at and timezone.now() - contact.wa_checked_at < WA_ID_FRESH_FOR
        if contact.wa_id and fresh:
            return contact.wa_id
        check = self.run(client.check_number(contact.e164.lstrip("+")))
        if not check.exists or not check.wa_id:
            raise EngineError("this number is not on WhatsApp")
        contact.wa_id, contact.wa_checked_at = check.wa_id, timezone.now()
        contact.save(update_fields=["wa_id", "wa_checked_at"])
        return check.wa_id

    def send(self, message: Message, client: EngineClient) -> None:
        wa_id = self.wa_id_for(message, client)
        Message.objects.filter(pk=message.pk).update(attempts=message.attempts + 1)
        message.attempts += 1
        sent = self.run(client.send_text(wa_id, message.text))
        do_attach_engine_id(message, sent.engine_message_id)
        SENDS.labels("sent").inc()
        self.published(message)

    def reconcile(self, message: Message, client: EngineClient) -> None:
        """Did the lost send reach WhatsApp? Look in the chat before sending again."""
        if client.supports_history:
            wa_id = self.wa_id_for(message, client)
            recent = self.run(client.recent_messages(wa_id))
            known = set(Message.objects.filter(
                instance_id=message.instance_id,
                engine_message_id__in=[r.engine_message_id for r in recent],
            ).values_list("engine_message_id", flat=True))
            for candidate in recent:
                if candidate.from_me and candidate.text == message.text \
                        and candidate.engine_message_id not in known:
                    do_attach_engine_id(message, candidate.engine_message_id)
                    SENDS.labels("reconciled").inc()
                    self.published(message)
                    return
        waited = timezone.now() - message.outcome_unknown_at
        window = timedelta(seconds=settings.PONTE_RECONCILE_DELAY_SECONDS
                           * settings.PONTE_RECONCILE_CHECKS)
        if waited < window:
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now()
                                                         + window / settings.PONTE_RECONCILE_CHECKS)
        elif client.supports_history:
            # Not in the engine's history after the whole window: it never went out.
            Message.objects.filter(pk=message.pk).update(outcome_unknown_at=None,
                                                         next_attempt_at=timezone.now())
        else:
            self.give_up(message, "The engine never answered; the message may have been "
                                  "delivered. Check the phone before retrying.")

    def failed_attempt(self, message: Message, exc: EngineError) -> None:
        now = timezone.now()
        if exc.outcome_unknown:
            Message.objects.filter(pk=message.pk).update(
                outcome_unknown_at=now, error=exc.detail[:300],
                next_attempt_at=now + timedelta(seconds=settings.PONTE_RECONCILE_DELAY_SECONDS))
        elif (exc.transient or exc.auth) and message.attempts < settings.PONTE_SEND_MAX_ATTEMPTS:
            SENDS.labels("retried").inc()
            Message.objects.filter(pk=message.pk).update(
                error=exc.detail[:300], next_attempt_at=now + backoff(message.attempts))
        else:
            self.give_up(message, exc.detail)

    def give_up(self, message: Message, reason: str) -> None:
        SENDS.labels("failed").inc()
        Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
            status=MessageStatus.FAILED, error=reason[:300], next_attempt_at=None)
        self.published(message)

    @staticmethod
    def published(message: Message) -> None:
        realtime.publish(message.org_id, "message.status", {
            "conversation_id": message.conversation_id, "message_id": message.pk})


def run_forever(stop: threading.Event, poll_seconds: float = 1.0) -> None:
    sender = Sender()
    try:
        while not stop.is_set():
            try:
                busy = sender.send_due()
            except Exception:
                log.exception("sender pass failed; retrying")
                close_old_connections()
                stop.wait(1.0)
                continue
            if not busy:
                _wake.wait(poll_seconds)
                _wake.clear()
    finally:
        sender.close()
        close_old_connections()


def start_in_thread() -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="ponte-sender", daemon=True).start()
    return stop
