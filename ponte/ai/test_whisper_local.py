"""The local transcriber (faster-whisper on the server): every way its model cannot load
says, in pt-BR, what to install or fix, and nothing is ever downloaded.

No Whisper model can be fetched here, so these load what can be made locally: no folder, a
folder without the model's files, a folder whose model.bin is not a model (read by the real
faster-whisper and CTranslate2), and faster-whisper absent.
"""

import sys

import pytest
from django.utils import timezone

from ponte.ai import whisper_local
from ponte.ai.failures import ProviderFailed
from ponte.ai.models import TranscriptionJob
from ponte.ai.services import do_update_ai_settings
from ponte.ai.test_transcription import a_customer_who_asked_hello, run_due, voice_note
from ponte.ai.transcribers import Audio, LocalTranscriber
from ponte.diagnostics.models import DiagnosticEntry
from tests.media_samples import voice_note as voice_note_tone


def unavailable(model_dir: str) -> ProviderFailed:
    with pytest.raises(ProviderFailed) as failed:
        whisper_local.load_model(model_dir)
    assert failed.value.outcome == "unavailable" and not failed.value.retryable
    return failed.value


def a_model_folder(tmp_path, *names: str):
    folder = tmp_path / "whisper-small-ct2"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(b"{}" if name.endswith(".json") else b"not a model")
    return folder


def test_without_a_model_folder_the_server_operator_is_told_to_set_one():
    failed = unavailable("")
    assert "PONTE_WHISPER_MODEL_DIR" in failed.detail and failed.error == (
        "PONTE_WHISPER_MODEL_DIR not set")


def test_a_folder_that_does_not_exist_is_never_taken_for_a_model_to_download(tmp_path):
    # faster-whisper would read "Systran/faster-whisper-small" (or any missing path) as a
    # Hugging Face repository and fetch it; the folder is checked before it is called.
    for name in (str(tmp_path / "nowhere"), "Systran/faster-whisper-small"):
        failed = unavailable(name)
        assert "não existe neste servidor" in failed.detail
        assert name not in failed.detail, "the server's paths stay out of the shop's log"


def test_a_folder_without_the_models_files_names_what_is_missing(tmp_path):
    folder = a_model_folder(tmp_path, "config.json")
    failed = unavailable(str(folder))
    assert "não tem model.bin, tokenizer.json" in failed.detail
    assert failed.error == "missing model.bin, tokenizer.json"


def test_a_model_file_ctranslate2_cannot_read_is_a_clear_error(tmp_path):
    pytest.importorskip("faster_whisper")
    folder = a_model_folder(tmp_path, *whisper_local.REQUIRED_FILES)
    failed = unavailable(str(folder))
    assert "não pôde ser carregado" in failed.detail
    assert failed.error == "load failed (RuntimeError)"


def test_without_faster_whisper_installed_the_page_says_how_to_install_it(tmp_path,
                                                                         monkeypatch):
    folder = a_model_folder(tmp_path, *whisper_local.REQUIRED_FILES)
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # as if never installed
    failed = unavailable(str(folder))
    assert 'pip install "ponte[whisper]"' in failed.detail


def test_the_local_transcriber_reports_its_attempt_like_a_remote_one():
    records = []
    with pytest.raises(ProviderFailed):
        LocalTranscriber("", on_call=records.append).transcribe(Audio(b"OggS", "audio/ogg"),
                                                                "pt")
    (record,) = records
    assert (record.provider, record.operation, record.path, record.outcome) == (
        "whisper", "transcribe", "local", "unavailable")


@pytest.mark.django_db(transaction=True)
def test_a_shop_that_chose_local_transcription_on_a_server_without_a_model_sees_why(
        make_tenant, settings, tmp_path):
    settings.PONTE_WHISPER_MODEL_DIR = str(tmp_path / "no-model-here")
    tenant = a_customer_who_asked_hello(make_tenant)
    do_update_ai_settings(tenant.org.pk, {"transcription_provider": "local"})
    voice_note(tenant, voice_note_tone())
    assert run_due() == 1
    job = TranscriptionJob.objects.get()
    assert job.state == "pending" and "não existe neste servidor" in job.error
    entry = DiagnosticEntry.objects.get(org=tenant.org, instance=None)
    assert (entry.path, entry.outcome, entry.error) == ("whisper local", "unavailable",
                                                       "model dir missing")
    TranscriptionJob.objects.update(attempts=3, next_attempt_at=timezone.now())
    assert run_due() == 1
    job.refresh_from_db()
    assert job.state == "failed"
    assert DiagnosticEntry.objects.get(org=tenant.org, outcome="gave_up").error == job.error
