"""Voice notes become words within seconds, through the provider the shop chose, and the
words count in the lead's score; failures are retried, then told in the log in pt-BR."""

import contextlib
import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from emulators.gemini import Emulator as Gemini
from emulators.openai_api import Emulator as OpenAI
from ponte import realtime
from ponte.ai import transcripts
from ponte.ai.models import AISettings, TranscriptionJob
from ponte.ai.services import do_update_ai_settings
from ponte.ai.signals import transcript_written
from ponte.ai.transcripts import do_queue_transcriptions, do_transcribe_due
from ponte.api.test_privacy_api import Api
from ponte.conversations.models import Conversation, Message
from ponte.diagnostics.models import DiagnosticEntry
from ponte.leads.models import Lead
from ponte.leads.services import chat_lines
from ponte.leads.test_scoring import customer, receive, score_due
from ponte.media.storing import Incoming, do_store_bytes
from tests.media_samples import voice_note as a_tone
from tests.media_support import wppconnect_media
from tests.voice import spoken_ogg

pytestmark = pytest.mark.django_db(transaction=True)

SAID = "quero comprar o tênis azul"
WAIT_SECONDS = 15


@pytest.fixture(autouse=True)
def no_rest():
    transcripts._resting.clear()


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "publish", lambda org, kind, data: events.append((kind, data)))
    return events


@contextlib.contextmanager
def running_loops():
    """The real background loops, as `ponte worker` runs them: the media worker stores
    received files, the transcriber hears them; yields an event set once a transcript is
    committed.

    The test's own writes come before, and its reads after: the in-memory SQLite of tests
    shares one cache between threads, where a write meeting another thread's read fails
    at once ("table is locked") instead of waiting as on a database file.
    """
    from ponte.conversations.media_downloads import downloading

    heard = threading.Event()

    def on_written(sender, **kwargs) -> None:
        transaction.on_commit(heard.set)

    transcript_written.connect(on_written, weak=False, dispatch_uid="test-heard")
    downloading.start()
    transcripts.transcribing.start()
    try:
        yield heard
    finally:
        transcripts.transcribing.stop()
        downloading.stop()
        transcript_written.disconnect(dispatch_uid="test-heard")


def job_of(message: Message) -> tuple | None:
    job = TranscriptionJob.objects.filter(message=message).first()
    return job and (job.state, job.attempts, job.error)


def voice_note(tenant, data: bytes, *, created_at=None, kind: str = "voice") -> Message:
    """A customer's voice note whose file is stored, in the chat their first message opened
    (as the media download leaves it)."""
    chat = Conversation.objects.get(org=tenant.org)
    stored = do_store_bytes(tenant.org.pk, Incoming(data, kind, "audio/ogg; codecs=opus"))
    now = timezone.now()
    return Message.objects.create(
        org=tenant.org, instance=tenant.instance, conversation=chat,
        engine_message_id=f"VOICE{Message.objects.count()}", direction="in", kind=kind,
        media={"mimetype": "audio/ogg; codecs=opus", "state": "stored", "duration": 2},
        file=stored, engine_timestamp=now, created_at=created_at or now)


def a_customer_who_asked_hello(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Oi, boa tarde", "M1"))
    assert score_due() == 1
    return tenant


def test_a_voice_note_is_transcribed_within_seconds_through_an_openai_compatible_server(
        make_tenant, published, media_storage):
    tenant = a_customer_who_asked_hello(make_tenant)
    before = Lead.objects.get()
    clip = spoken_ogg(SAID)
    with OpenAI(keys=["sk-groq-like"], transcript=SAID) as server:
        do_update_ai_settings(tenant.org.pk, {
            "transcription_provider": "openai", "transcription_base_url": server.base_url + "/v1",
            "transcription_api_key": "sk-groq-like"})
        # As WPPConnect posts a voice note (autoDownload: the file in the body); the
        # drainer stores the message, the media worker the file, the transcriber the words.
        receive(tenant, wppconnect_media(clip, wa_type="ptt", message_id="PTT1",
                                         mimetype="audio/ogg; codecs=opus"))
        note = Message.objects.get(engine_message_id__endswith="PTT1")
        assert note.kind == "voice" and note.transcript == "" and note.file is None
        started = time.monotonic()
        with running_loops() as heard:
            heard.wait(WAIT_SECONDS)
        assert heard.is_set(), f"no transcript after {WAIT_SECONDS} s: {job_of(note)}"
        assert time.monotonic() - started < WAIT_SECONDS
    note.refresh_from_db()
    assert note.transcript == SAID and note.media["state"] == "stored"
    # The API shows the words with the voice note, and the same bytes behind its url.
    api = Api(tenant)
    shown = api.get(f"/conversations/{note.conversation_id}/messages").json()["items"]
    (media,) = [m["media"] for m in shown if m["id"] == note.pk]
    assert (media["transcript"], media["state"], media["mimetype"]) == (
        SAID, "stored", "audio/ogg")
    assert b"".join(api.client.get(media["url"], headers=api.headers).streaming_content) \
        == clip
    (upload,) = server.transcriptions
    assert upload["file"] == clip, "the very bytes stored"
    assert (upload["model"], upload["language"], upload["response_format"]) == (
        "whisper-1", "pt", "json")
    assert upload["filename"] == "audio.ogg" and upload["content_type"] == "audio/ogg"
    assert server.last.headers["authorization"] == "Bearer sk-groq-like"
    assert ("message.status", {"conversation_id": note.conversation_id,
                               "message_id": note.pk}) in published
    job = TranscriptionJob.objects.get(message=note)
    assert (job.state, job.attempts, job.provider, job.error) == ("done", 1, "openai", "")
    entry = DiagnosticEntry.objects.get(org=tenant.org, outcome="ok")
    assert entry.path == "openai-audio /v1/audio/transcriptions" and entry.method == "POST"
    # The words are a purchase: the lead is scored again, and warmer for it.
    assert Lead.objects.get().score_due_at is not None
    assert score_due() == 1
    after = Lead.objects.get()
    assert before.reasons == [] and before.score < 40
    assert after.score > 70 and after.intent > before.intent + 0.3
    assert "pediu para separar ou fechar" in after.reasons


def test_a_voice_note_is_transcribed_through_gemini_audio_input(make_tenant, published,
                                                                media_storage):
    tenant = a_customer_who_asked_hello(make_tenant)
    clip = spoken_ogg(SAID)
    with Gemini(keys=["AIza-test-key"], transcript=SAID) as server:
        do_update_ai_settings(tenant.org.pk, {
            "transcription_provider": "gemini", "transcription_base_url": server.base_url,
            "transcription_api_key": "AIza-test-key"})
        note = voice_note(tenant, clip)
        with running_loops() as heard:
            heard.wait(WAIT_SECONDS)
        assert heard.is_set(), f"no transcript after {WAIT_SECONDS} s: {job_of(note)}"
    note.refresh_from_db()
    assert note.transcript == SAID
    assert server.audio_parts == [[("audio/ogg", clip)]]
    assert server.last.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    instruction = server.last.json["systemInstruction"]["parts"][0]["text"]
    assert "português do Brasil" in instruction
    assert ("message.status", {"conversation_id": note.conversation_id,
                               "message_id": note.pk}) in published
    assert DiagnosticEntry.objects.get(org=tenant.org, outcome="ok").path == (
        "gemini-audio /v1beta/models/gemini-2.5-flash:generateContent")


def test_a_voice_notes_words_count_in_the_chat_a_provider_reads(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    note = voice_note(tenant, a_tone(1.0))
    Message.objects.filter(pk=note.pk).update(transcript=SAID)
    chats = [note.conversation_id]
    assert [line.text for line in chat_lines(tenant.org.pk, chats)] == ["Oi, boa tarde", SAID]


def test_nothing_is_sent_anywhere_while_transcription_is_off(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    voice_note(tenant, a_tone(1.0))
    assert AISettings.objects.filter(org=tenant.org, transcription_provider="none").exists() \
        or not AISettings.objects.filter(org=tenant.org).exists()
    assert do_queue_transcriptions() == 0
    assert not TranscriptionJob.objects.exists()


def test_only_recent_voice_notes_are_transcribed_when_it_is_turned_on(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    old = voice_note(tenant, a_tone(1.0), created_at=timezone.now() - timedelta(days=2))
    new = voice_note(tenant, a_tone(1.5), kind="audio")
    do_update_ai_settings(tenant.org.pk, {"transcription_provider": "local"})
    assert do_queue_transcriptions() == 1
    assert list(TranscriptionJob.objects.values_list("message", flat=True)) == [new.pk]
    assert do_queue_transcriptions() == 0, "one job per voice note"
    assert not TranscriptionJob.objects.filter(message=old).exists()


def run_due(after: timedelta = timedelta(0)) -> int:
    do_queue_transcriptions()
    return do_transcribe_due(now=timezone.now() + after)


def test_a_failing_provider_is_tried_again_later_then_the_job_fails_with_a_reason(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    with OpenAI(keys=["sk-test"], transcript=SAID) as server:
        do_update_ai_settings(tenant.org.pk, {
            "transcription_provider": "openai", "transcription_base_url": server.base_url + "/v1",
            "transcription_api_key": "sk-test"})
        note = voice_note(tenant, spoken_ogg(SAID))
        server.fail_next(500, times=100)
        assert run_due() == 1
        job = TranscriptionJob.objects.get()
        assert (job.state, job.attempts) == ("pending", 1)
        assert "erro interno" in job.error
        assert len(server.requests) == 3, "the attempt retried a 5xx twice within seconds"
        assert run_due() == 0, "not again at once"
        transcripts._resting.clear()  # the organization's rest after an outage, over
        later = timedelta(0)
        for wait in transcripts.BACKOFF:  # 30 s, 2 min, 10 min after each failed attempt
            later += wait + timedelta(seconds=1)
            assert run_due(after=later) == 1
            transcripts._resting.clear()
        job.refresh_from_db()
        assert (job.state, job.attempts) == ("failed", transcripts.MAX_ATTEMPTS)
        assert job.error.startswith("O provedor compatível com OpenAI em 127.0.0.1")
    note.refresh_from_db()
    assert note.transcript == ""
    gave_up = DiagnosticEntry.objects.get(org=tenant.org, outcome="gave_up")
    assert gave_up.path == "openai-audio" and gave_up.error == job.error
    assert DiagnosticEntry.objects.filter(org=tenant.org, outcome="http_error",
                                          status_code=500).exists()
    # The owner fixes something in Settings › IA: the voice note gets another go.
    server = OpenAI(keys=["sk-test"], transcript=SAID, port=server._port).start()
    try:
        do_update_ai_settings(tenant.org.pk, {"transcription_model": "whisper-large-v3"})
        assert run_due() == 1
    finally:
        server.stop()
    note.refresh_from_db()
    assert note.transcript == SAID


def test_a_wrong_key_is_refused_and_never_written_to_the_log(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    with OpenAI(keys=["sk-right"]) as server:
        do_update_ai_settings(tenant.org.pk, {
            "transcription_provider": "openai", "transcription_base_url": server.base_url + "/v1",
            "transcription_api_key": "sk-wrong-key-0123456789"})
        voice_note(tenant, spoken_ogg(SAID))
        assert run_due() == 1
    job = TranscriptionJob.objects.get()
    assert "recusou a chave (401)" in job.error
    (entry,) = DiagnosticEntry.objects.filter(org=tenant.org, instance=None)
    assert entry.outcome == "auth" and "wrong-key" not in entry.error


def test_the_scoring_key_is_used_only_for_the_same_provider_at_the_same_address(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    with OpenAI(keys=["sk-scoring"], transcript=SAID) as server, \
            OpenAI(keys=None, transcript=SAID) as elsewhere:
        same = server.base_url + "/v1"
        do_update_ai_settings(tenant.org.pk, {
            "provider": "openai", "base_url": same, "api_key": "sk-scoring",
            "transcription_provider": "openai", "transcription_base_url": same})
        voice_note(tenant, spoken_ogg(SAID))
        assert run_due() == 1
        assert [r.headers["authorization"] for r in server.requests] == ["Bearer sk-scoring"]
        do_update_ai_settings(tenant.org.pk, {
            "transcription_base_url": elsewhere.base_url + "/v1"})
        voice_note(tenant, spoken_ogg("quanto custa o frete"))
        assert run_due() == 1
        assert [r.headers["authorization"] for r in elsewhere.requests] == ["Bearer no-key"]


def test_a_spent_daily_budget_makes_voice_notes_wait_for_the_next_day(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    with Gemini(keys=["k"], transcript=SAID) as server:
        do_update_ai_settings(tenant.org.pk, {
            "transcription_provider": "gemini", "transcription_base_url": server.base_url,
            "transcription_api_key": "k", "daily_budget": 1})
        first = voice_note(tenant, spoken_ogg(SAID))
        second = voice_note(tenant, spoken_ogg("vou pensar"))
        assert run_due() == 2
        assert len(server.requests) == 1
    waiting = TranscriptionJob.objects.get(state="pending")
    assert waiting.message_id in (first.pk, second.pk) and waiting.attempts == 0
    assert timezone.localtime(waiting.next_attempt_at).hour == 0
    assert waiting.next_attempt_at > timezone.now()
    assert DiagnosticEntry.objects.filter(org=tenant.org, outcome="budget_exhausted").exists()


def test_a_voice_note_too_large_for_the_provider_is_not_sent(make_tenant, monkeypatch):
    from ponte.ai import transcribers

    monkeypatch.setitem(transcribers.MAX_BYTES, "gemini", 1000)
    tenant = a_customer_who_asked_hello(make_tenant)
    with Gemini(keys=["k"], transcript=SAID) as server:
        do_update_ai_settings(tenant.org.pk, {
            "transcription_provider": "gemini", "transcription_base_url": server.base_url,
            "transcription_api_key": "k"})
        voice_note(tenant, spoken_ogg(SAID))
        assert run_due() == 1
        assert server.requests == []
    job = TranscriptionJob.objects.get()
    assert job.state == "failed" and "mais do que o provedor" in job.error


def test_a_voice_note_deleted_for_everyone_is_not_transcribed(make_tenant):
    tenant = a_customer_who_asked_hello(make_tenant)
    note = voice_note(tenant, a_tone(1.0))
    Message.objects.filter(pk=note.pk).update(revoked=True)
    do_update_ai_settings(tenant.org.pk, {"transcription_provider": "local"})
    assert do_queue_transcriptions() == 0


def test_a_stored_voice_notes_file_wakes_the_transcriber_at_once():
    from ponte.conversations.media_downloads import file_stored

    loop = transcripts.transcribing
    loop._wake.clear()
    file_stored.send(sender=Message, message_id=1, org_id=1, kind="image")
    assert not loop.woken, "a photo has nothing to hear"
    file_stored.send(sender=Message, message_id=1, org_id=1, kind="voice")
    assert loop.woken
    loop._wake.clear()
