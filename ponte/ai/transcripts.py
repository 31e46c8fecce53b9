"""Voice notes and audio into words, in the background: the loop "ponte-transcribe".

Each pass first queues a `TranscriptionJob` for every voice note or audio whose file is
stored, that has no words yet and no job, in the organizations that chose a transcriber
(`do_queue_transcriptions`: one query on the partial index `voice_to_transcribe`, only
messages of the last PONTE_TRANSCRIBE_WINDOW_HOURS, so turning transcription on does not
send a shop's whole history). Then it runs the jobs that are due (`do_transcribe_due`):
the bytes from the media storage go to the chosen transcriber, the words land in
`Message.transcript`, open chats hear `message.status` on commit and the lead is due a
new scoring (`signals.transcript_written`). A failure is tried again later, up to
MAX_ATTEMPTS, then the job ends failed with the provider's reason in pt-BR, in the job and
in the diagnostic log. See docs/ai.md, "Voice transcription".
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.crypto import decrypt
from ponte.ai.choice import note_exhausted, note_outcome, record_calls, take_call
from ponte.ai.failures import ProviderFailed
from ponte.ai.models import AISettings, Transcription, TranscriptionJob
from ponte.ai.services import today, transcription_key_needed
from ponte.ai.signals import transcript_written
from ponte.background import BackgroundLoop
from ponte.conversations.models import Message
from ponte.conversations.storing import publish_message_changed
from ponte.db import serialized_writes
from ponte.media.storage import media_storage
from ponte.text import clip_error

# `ponte.ai.transcribers` is imported where a call is made: it loads the providers' SDKs,
# which a web process waking this loop need not pay for.
log = logging.getLogger(__name__)
VOICE_KINDS = ("voice", "audio")  # as in the partial index `voice_to_transcribe`
MAX_ATTEMPTS = 4
# The pause after the 1st, 2nd, 3rd failed attempt (each attempt already retried a 429,
# a 5xx or a timeout a couple of times within seconds): a provider's outage passes.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
LEASE = timedelta(minutes=5)  # a job claimed by a worker that died is taken up again
QUEUE_BATCH = 100
RUN_BATCH = 5
POLL_SECONDS = 2.0
# After the provider could not be reached, refused the key or asked to slow down, the
# organization's jobs wait this long, as its scores do (choice.REST_SECONDS).
REST_SECONDS = 300.0
REST_OUTCOMES = frozenset({"timeout", "refused", "auth", "rate_limited", "http_error"})
# Failures no later attempt can mend: the same bytes stay too large.
FINAL_OUTCOMES = frozenset({"too_large"})
_resting: dict[tuple, float] = {}  # (org id, settings' updated_at) -> monotonic end


def window() -> timedelta:
    return timedelta(hours=settings.PONTE_TRANSCRIBE_WINDOW_HOURS)


def do_queue_transcriptions(now: datetime | None = None, limit: int = QUEUE_BATCH) -> int:
    """A pending job for each stored voice note or audio that has none; returns how many."""
    now = now or timezone.now()
    orgs = list(AISettings.objects.exclude(transcription_provider=Transcription.NONE)
                .values_list("org_id", flat=True))
    if not orgs:
        return 0
    found = list(Message.objects.filter(
        kind__in=VOICE_KINDS, file__isnull=False, transcript="",
        created_at__gte=now - window(), org_id__in=orgs, revoked=False,
        transcription__isnull=True,
    ).order_by("-created_at").values_list("pk", "org_id")[:limit])
    if not found:
        return 0
    with serialized_writes():
        TranscriptionJob.objects.bulk_create(
            [TranscriptionJob(org_id=org_id, message_id=pk, next_attempt_at=now)
             for pk, org_id in found], ignore_conflicts=True)
    return len(found)


@dataclass(frozen=True)
class Claimed:
    pk: int
    org_id: object
    message_id: int
    attempt: int  # this one, counting from 1


def do_transcribe_due(now: datetime | None = None, limit: int = RUN_BATCH) -> int:
    """Run the due jobs; returns how many were taken. Each is claimed with a lease first,
    its attempt counted before the call, so two workers never run one twice."""
    now = now or timezone.now()
    due = list(TranscriptionJob.objects.filter(
        state=TranscriptionJob.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "org_id", "message_id", "attempts", "next_attempt_at")[:limit])
    chosen: dict = {}  # org id -> AISettings, read once per pass
    taken = 0
    for pk, org_id, message_id, attempts, due_at in due:
        if org_id not in chosen:
            chosen[org_id] = AISettings.objects.filter(org_id=org_id).first()
        ai = chosen[org_id]
        if ai is not None and _is_resting(ai):
            continue  # due again when the rest is over; no attempt spent
        with serialized_writes():
            claimed = TranscriptionJob.objects.filter(
                pk=pk, state=TranscriptionJob.State.PENDING, next_attempt_at=due_at).update(
                attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        if not claimed:
            continue
        taken += 1
        job = Claimed(pk, org_id, message_id, attempts + 1)
        try:
            _run(job, ai, now)
        except Exception:  # one job's surprise must not hold up the others
            log.exception("transcribing message %s failed unexpectedly", message_id)
            _do_retry_or_fail(job, "", _("Falha inesperada ao transcrever: o detalhe técnico "
                                         "está no registro do servidor."), now)
    return taken


def _run(job: Claimed, ai: AISettings | None, now: datetime) -> None:
    from ponte.ai.transcribers import Audio, log_name, transcriber_for

    message = Message.objects.select_related("file").filter(pk=job.message_id).first()
    if message is None:
        return  # deleted meanwhile (an erasure): the job went with it
    if ai is None or not ai.transcribes:
        return _do_finish(job, TranscriptionJob.State.SKIPPED, _(
            "A transcrição de áudio está desligada em Configurações › IA."), now)
    if message.transcript:
        return _do_finish(job, TranscriptionJob.State.DONE, "", now)
    if message.file is None or message.revoked:
        return _do_finish(job, TranscriptionJob.State.SKIPPED, _(
            "O arquivo do áudio não está mais guardado."), now)
    kind = ai.transcription_provider
    config = transcription_config(ai)
    if config is None:
        return _do_retry_or_fail(job, kind, _(
            "A chave salva para a transcrição não pode ser lida por este servidor (a chave "
            "de criptografia mudou?): salve a chave de novo em Configurações › IA."), now)
    if kind != Transcription.LOCAL:
        if ai.daily_budget == 0:
            return _do_finish(job, TranscriptionJob.State.SKIPPED, _(
                "O limite diário de chamadas é 0: a transcrição por um provedor externo está "
                "desligada."), now)
        if not take_call(job.org_id):
            note_exhausted(job.org_id, log_name(kind))
            return _do_wait_until_tomorrow(job)
    try:
        audio = Audio(_read_file(message.file.name), message.file.mimetype)
    except Exception as exc:
        log.warning("reading %s for transcription failed: %r", message.file.name, exc)
        return _do_retry_or_fail(job, kind, _(
            "O arquivo do áudio não pôde ser lido do armazenamento: o Ponte tenta de novo."),
            now)
    records: list = []
    transcriber = transcriber_for(config, on_call=records.append,
                                  model_dir=settings.PONTE_WHISPER_MODEL_DIR)
    try:
        text = transcriber.transcribe(audio, ai.transcription_language)
    except ProviderFailed as exc:
        if exc.outcome in REST_OUTCOMES:
            _resting[(ai.org_id, ai.updated_at)] = time.monotonic() + REST_SECONDS
        return _do_retry_or_fail(job, kind, exc.detail, now,
                                 final=exc.outcome in FINAL_OUTCOMES)
    finally:
        transcriber.close()
        record_calls(job.org_id, records, secret=config.api_key)
    _do_write_transcript(job, message, text, kind)


def transcription_config(ai: AISettings):
    """The transcriber the organization chose, ready to call; None when its saved key
    cannot be read (logged once, as for scoring).

    With no key of its own, a remote transcriber uses the scoring provider's key, but
    only for the same provider at the same address: a key never goes to another server.
    """
    from ponte.ai.calling import RemoteConfig
    from ponte.ai.transcribers import TIMEOUT_SECONDS, log_name

    kind = ai.transcription_provider
    stored = ai.transcription_api_key
    if not stored and ai.provider == kind and ai.base_url == ai.transcription_base_url:
        stored = ai.api_key
    try:
        key = decrypt(stored) if stored else ""
    except ValueError:
        note_outcome(ai.org_id, log_name(kind), "key_unreadable")
        return None
    return RemoteConfig(kind=kind, model=ai.transcription_model, api_key=key,
                        base_url=ai.transcription_base_url, timeout=TIMEOUT_SECONDS)


def shares_scoring_key(ai: AISettings) -> bool:
    """Whether transcription would use the scoring provider's key (it has none of its own)."""
    return (not ai.transcription_api_key and bool(ai.api_key)
            and ai.provider == ai.transcription_provider
            and ai.base_url == ai.transcription_base_url)


def transcription_ready(ai: AISettings) -> bool:
    """False when a remote transcriber needs a key and has none (its own or shared)."""
    if not ai.transcribes or not transcription_key_needed(ai):
        return True
    return bool(ai.transcription_api_key) or shares_scoring_key(ai)


def _read_file(name: str) -> bytes:
    """The stored file's bytes, from a folder or an S3 bucket alike."""
    with media_storage().open(name, "rb") as stored:
        return stored.read()


def _is_resting(ai: AISettings) -> bool:
    key = (ai.org_id, ai.updated_at)
    until = _resting.get(key)
    if until is None:
        return False
    if time.monotonic() < until:
        return True
    _resting.pop(key, None)
    return False


def _do_write_transcript(job: Claimed, message: Message, text: str, kind: str) -> None:
    """The words on the message (unless some arrived meanwhile), the job done; on commit
    the open chats re-render it and the lead is due a scoring that reads it."""
    now = timezone.now()
    with serialized_writes(), transaction.atomic():
        written = bool(text) and Message.objects.filter(
            pk=message.pk, transcript="").update(transcript=text)
        TranscriptionJob.objects.filter(pk=job.pk).update(
            state=TranscriptionJob.State.DONE, provider=kind, error="", finished_at=now,
            next_attempt_at=now)
        if written:
            message.transcript = text
            publish_message_changed(message.org_id, message.conversation_id, message.pk)
            transcript_written.send(sender=TranscriptionJob, org_id=message.org_id,
                                    message=message)


def _do_finish(job: Claimed, state: str, reason: str, now: datetime) -> None:
    with serialized_writes():
        TranscriptionJob.objects.filter(pk=job.pk).update(
            state=state, error=clip_error(reason), finished_at=now, next_attempt_at=now)


def _do_wait_until_tomorrow(job: Claimed) -> None:
    """The day's budget is spent: the job waits for the next day, its attempt not spent."""
    tomorrow = timezone.make_aware(
        datetime.combine(today() + timedelta(days=1), datetime.min.time()),
        timezone.get_default_timezone())
    with serialized_writes():
        TranscriptionJob.objects.filter(pk=job.pk).update(
            attempts=F("attempts") - 1, next_attempt_at=tomorrow)


def _do_retry_or_fail(job: Claimed, kind: str, reason: str, now: datetime, *,
                      final: bool = False) -> None:
    """Another attempt later, or, out of attempts, failed with the reason in the job and in
    the organization's diagnostic log (in pt-BR: the owner reads it there)."""
    from ponte.ai.transcribers import log_name

    if not final and job.attempt < MAX_ATTEMPTS:
        with serialized_writes():
            TranscriptionJob.objects.filter(pk=job.pk).update(
                error=clip_error(reason), provider=kind,
                next_attempt_at=now + BACKOFF[min(job.attempt, len(BACKOFF)) - 1])
        return
    with serialized_writes():
        TranscriptionJob.objects.filter(pk=job.pk).update(
            state=TranscriptionJob.State.FAILED, error=clip_error(reason), provider=kind,
            finished_at=now, next_attempt_at=now)
    note_outcome(job.org_id, log_name(kind), "gave_up", reason)


def wake_for_stored_file(sender, *, kind: str = "", **kwargs) -> None:
    """The media worker stored a file (`media_downloads.file_stored`, after commit): if it
    is a voice note or audio, the loop looks at once. Polling stays the guarantee."""
    if kind in VOICE_KINDS:
        transcribing.wake()


class Transcribing:
    """Queues what arrived, then runs what is due; a full batch means more may wait."""

    def run_pass(self) -> float | None:
        do_queue_transcriptions()
        return 0 if do_transcribe_due() >= RUN_BATCH else None

    def close(self) -> None:
        pass


transcribing = BackgroundLoop("ponte-transcribe", Transcribing, period=lambda: POLL_SECONDS)
