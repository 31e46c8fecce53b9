"""The outbound sender: pending messages go to the engine, each reaching WhatsApp once.

A message row is the job. The sender claims due rows with a lease, sends, and
records the engine's id. Messages wait, without a call to the engine, while
their session is not connected, and go out oldest first, one chat's in order,
when it connects. Every failed step (the number check too) spends an attempt and
comes back later with exponential backoff and jitter; a send whose answer was
lost is looked for in the chat (the engine's echo or its history) before
anything is sent again. A message still waiting at its deadline ends failed,
with the cause the chat shows.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ponte.accounts.models import Instance, SessionState
from ponte.background import BackgroundLoop
from ponte.conversations.contacts import do_record_wa_id
from ponte.conversations.failures import (
    FileMissing,
    NotOnWhatsApp,
    SendFailure,
    StorageDown,
    failure_of,
)
from ponte.conversations.models import Message, MessageStatus
from ponte.conversations.storing import do_attach_engine_id, publish_message_changed
from ponte.db import serialized_writes
from ponte.diagnostics.metrics import SENDS
from ponte.engines.base import EngineError, OutboundMedia, RecentMessage
from ponte.engines.calls import EngineCall, EngineCaller, is_configured, keeps_history
from ponte.text import clip_error

LEASE = timedelta(minutes=2)
WA_ID_FRESH_FOR = timedelta(days=30)
POLL_SECONDS = 1.0
NO_ENGINE = "the WhatsApp instance has no engine configured"


def _waiting():
    return Message.objects.filter(direction=Message.Direction.OUTBOUND,
                                  status=MessageStatus.PENDING)


def claim_due(limit: int = 20) -> list[int]:
    """Due messages of connected sessions, leased so that no other sender takes them meanwhile.

    Only the oldest waiting message of a chat is due: the next one waits for it to go
    out (or fail), so a chat's messages reach WhatsApp in the order they were written.
    """
    now = timezone.now()
    earlier = _waiting().filter(conversation_id=OuterRef("conversation_id"), id__lt=OuterRef("id"))
    with serialized_writes(), transaction.atomic():
        due = (_waiting().filter(next_attempt_at__lte=now, instance__state=SessionState.CONNECTED)
               .exclude(Exists(earlier)).order_by("next_attempt_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:limit])
        Message.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def give_up_overdue(limit: int = 100) -> int:
    """End the waiting messages that cannot go out: past their deadline, or with no engine.

    Only rows not leased nor backing off are looked at, so a send in flight is never
    failed under the sender's feet.
    """
    now = timezone.now()
    due = _waiting().filter(next_attempt_at__lte=now)
    stalled = Instance.objects.filter(
        pk__in=due.exclude(instance__state=SessionState.CONNECTED).values("instance_id"))
    unconfigured = [instance.pk for instance in stalled if not is_configured(instance)]
    overdue = (due.filter(Q(send_deadline__lte=now) | Q(instance_id__in=unconfigured))
               .select_related("instance").order_by("id")[:limit])
    for message in overdue:
        do_fail_message(message, *give_up_reason(message))
    return len(overdue)


def give_up_reason(message: Message) -> tuple[str, str]:
    """The cause and detail of a message that waited too long: what kept it is the cause."""
    instance = message.instance
    if not is_configured(instance):
        return SendFailure.NO_ENGINE, NO_ENGINE
    if instance.state != SessionState.CONNECTED:
        return SendFailure.DISCONNECTED, (f"not sent in time: the WhatsApp session is "
                                          f"{instance.state}")
    if message.outcome_unknown_at is not None:
        return SendFailure.UNKNOWN_OUTCOME, message.error or "the engine never answered"
    if message.failure:
        return message.failure, f"not sent in time: {message.error}"
    return SendFailure.EXPIRED, "not sent in time"


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
        give_up_overdue()
        return 0 if self.send_due() else None

    def send_due(self) -> int:
        ids = claim_due()
        for message_id in ids:
            self.deliver(message_id)
        return len(ids)

    def call(self, message: Message, make_call: EngineCall):
        return self.caller.call(message.instance, make_call)

    def deliver(self, message_id: int) -> None:
        message = (Message.objects.select_related("instance", "conversation__contact", "file")
                   .filter(pk=message_id).first())
        if message is None or message.status != MessageStatus.PENDING \
                or message.engine_message_id:
            return  # sent meanwhile (its echo arrived) or deleted
        if not is_configured(message.instance):
            do_fail_message(message, SendFailure.NO_ENGINE, NO_ENGINE)
            return
        if message.instance.state != SessionState.CONNECTED:
            do_look_again_later(message, timedelta(0))  # dropped since the claim: it waits
            return
        reconciling = message.outcome_unknown_at is not None
        try:
            if reconciling:
                self.reconcile(message)
            else:
                do_count_attempt(message)  # before any call: a failed number check counts
                self.send(message)
        except EngineError as exc:
            if reconciling:
                do_count_attempt(message)
            self.failed_attempt(message, exc, reconciling=reconciling)

    def wa_id_for(self, message: Message) -> str:
        """The id WhatsApp knows this person by: the engine answers the ninth-digit question."""
        contact = message.conversation.contact
        fresh = contact.wa_checked_at and timezone.now() - contact.wa_checked_at < WA_ID_FRESH_FOR
        if contact.wa_id and fresh:
            return contact.wa_id
        check = self.call(message, lambda client: client.check_number(contact.e164.lstrip("+")))
        if not check.exists or not check.wa_id:
            raise NotOnWhatsApp
        do_record_wa_id(contact, check.wa_id)
        return check.wa_id

    def send(self, message: Message) -> None:
        if message.kind == "text":
            wa_id = self.wa_id_for(message)
            sent = self.call(message, lambda client: client.send_text(wa_id, message.text))
        else:
            media = outbound_media(message)  # a file gone fails before any engine call
            wa_id = self.wa_id_for(message)
            sent = self.call(message, lambda client: client.send_media(wa_id, media))
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
                if candidate.from_me and shows_as(candidate, message) \
                        and candidate.engine_message_id not in known:
                    do_attach_engine_id(message, candidate.engine_message_id)
                    SENDS.labels("reconciled").inc()
                    return
        waited = timezone.now() - message.outcome_unknown_at
        window = timedelta(seconds=settings.PONTE_RECONCILE_DELAY_SECONDS
                           * settings.PONTE_RECONCILE_CHECKS)
        if waited < window:
            do_look_again_later(message, window / settings.PONTE_RECONCILE_CHECKS)
        elif history and message.attempts < settings.PONTE_SEND_MAX_ATTEMPTS:
            # Not in the engine's history after the whole window: it never went out.
            do_send_again(message)
        elif history:
            do_fail_message(message, SendFailure.ENGINE_DOWN,
                            "the engine never answered and the message is not in the chat")
        else:
            do_fail_message(message, SendFailure.UNKNOWN_OUTCOME,
                            "the engine never answered; the message may have been delivered")

    def failed_attempt(self, message: Message, exc: EngineError, *,
                       reconciling: bool = False) -> None:
        """Spent attempts back off; out of attempts, or refused for good, the message fails."""
        failure = failure_of(exc)
        retryable = failure not in (SendFailure.REFUSED, SendFailure.NOT_ON_WHATSAPP,
                                    SendFailure.FILE_MISSING)
        if exc.outcome_unknown and not reconciling:
            do_await_outcome(message, failure, exc.detail)
        elif retryable and message.attempts < settings.PONTE_SEND_MAX_ATTEMPTS:
            SENDS.labels("retried").inc()
            do_retry_later(message, failure, exc.detail, backoff(message.attempts))
        else:
            do_fail_message(message, SendFailure.UNKNOWN_OUTCOME if reconciling else failure,
                            exc.detail)


def outbound_media(message: Message) -> OutboundMedia:
    """The queued file as the engine client sends it, its bytes read back from the storage."""
    stored = message.file
    if stored is None:
        raise FileMissing
    try:
        with storages["ponte_media"].open(stored.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise FileMissing from exc
    except Exception as exc:  # each storage backend (a folder, S3) raises its own errors
        raise StorageDown(f"the media storage failed: {type(exc).__name__}") from exc
    facts = message.media or {}
    return OutboundMedia(kind=message.kind, filename=facts.get("filename") or "arquivo",
                         mimetype=stored.mimetype, data=data, caption=message.caption)


def shows_as(candidate: RecentMessage, message: Message) -> bool:
    """Whether a message of the engine's chat history reads like this queued one: its text,
    or for a file its caption (what engines list for a media message)."""
    return candidate.text == (message.text if message.kind == "text" else message.caption)


sending = BackgroundLoop("ponte-sender", Sender, period=lambda: POLL_SECONDS)


def wake_on_connection(sender: object, *, instance: Instance, **kwargs: object) -> None:
    """A session connected: the messages that waited for it go now, not at the next poll."""
    sending.wake()


# What becomes of a try. Each applies only while the message still waits to go out: an
# echo may have settled it meanwhile. Only a failure changes what the chat shows, so only
# it publishes.

def _still_waiting(message: Message):
    return Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING,
                                  engine_message_id__isnull=True)


def do_count_attempt(message: Message) -> None:
    _still_waiting(message).update(attempts=message.attempts + 1)
    message.attempts += 1


def do_retry_later(message: Message, failure: str, error: str, delay: timedelta) -> None:
    _still_waiting(message).update(failure=failure, error=clip_error(error),
                                   next_attempt_at=timezone.now() + delay)


def do_await_outcome(message: Message, failure: str, error: str) -> None:
    """The send went out and no answer came: look for it before sending anything again."""
    now = timezone.now()
    _still_waiting(message).update(
        outcome_unknown_at=now, failure=failure, error=clip_error(error),
        next_attempt_at=now + timedelta(seconds=settings.PONTE_RECONCILE_DELAY_SECONDS))


def do_look_again_later(message: Message, delay: timedelta) -> None:
    _still_waiting(message).update(next_attempt_at=timezone.now() + delay)


def do_send_again(message: Message) -> None:
    _still_waiting(message).update(outcome_unknown_at=None, next_attempt_at=timezone.now())


def do_fail_message(message: Message, failure: str, reason: str) -> None:
    """It will not go out: the chat shows why (the cause) and offers to try again."""
    with transaction.atomic():
        failed = _still_waiting(message).update(status=MessageStatus.FAILED, failure=failure,
                                                error=clip_error(reason), next_attempt_at=None)
        if failed:
            SENDS.labels("failed").inc()
            publish_message_changed(message.org_id, message.conversation_id, message.pk)
