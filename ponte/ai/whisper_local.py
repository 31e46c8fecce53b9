"""faster-whisper on this server: an optional extra (`pip install "ponte[whisper]"`) with a
model folder the person running the server supplies (PONTE_WHISPER_MODEL_DIR).

Ponte never downloads a model: a folder name that does not exist would make faster-whisper
read it as a Hugging Face repository and fetch it, so the folder is checked first and the
model opened with `local_files_only`. Every way this can fail is a `ProviderFailed` with
outcome "unavailable" and a pt-BR sentence that says what to install or fix; the folder's
path is never in it (the organization's log is not the server's). The loaded model is kept
for the process's life, one per folder.
"""

import importlib.util
import io
import logging
import threading
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ponte.ai.failures import ProviderFailed

log = logging.getLogger(__name__)
# A CTranslate2 conversion of a Whisper model, as faster-whisper reads it. Without
# tokenizer.json faster-whisper would fetch one from the Hub.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
_loaded: dict[tuple[str, float], Any] = {}
_lock = threading.Lock()


def unavailable(detail: str, error: str) -> ProviderFailed:
    return ProviderFailed("unavailable", detail, None, error=error)


def check_model_dir(model_dir: str) -> Path:
    """The folder, if it holds a converted model; else why not, in words."""
    if not model_dir.strip():
        raise unavailable(_(
            "A transcrição local precisa de um modelo Whisper: quem administra o servidor "
            "deve definir PONTE_WHISPER_MODEL_DIR com a pasta de um modelo convertido para o "
            "faster-whisper."), "PONTE_WHISPER_MODEL_DIR not set")
    folder = Path(model_dir).expanduser()
    if not folder.is_dir():
        raise unavailable(_(
            "A pasta do modelo Whisper (PONTE_WHISPER_MODEL_DIR) não existe neste servidor: "
            "confira o caminho."), "model dir missing")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise unavailable(_(
            "A pasta do modelo Whisper (PONTE_WHISPER_MODEL_DIR) não tem %(files)s: ela deve "
            "conter um modelo convertido para o faster-whisper (model.bin, config.json e "
            "tokenizer.json).") % {"files": ", ".join(missing)},
            f"missing {', '.join(missing)}")
    return folder


def problem(model_dir: str) -> str:
    """Why the local transcriber cannot run here, for Settings › IA ("" when it may: the
    model itself is only read when the first voice note comes)."""
    try:
        check_model_dir(model_dir)
    except ProviderFailed as exc:
        return exc.detail
    try:
        installed = importlib.util.find_spec("faster_whisper") is not None
    except ValueError:  # in sys.modules as None: a test's way of uninstalling it
        installed = False
    return "" if installed else not_installed()


def not_installed() -> str:
    return _("A transcrição local precisa do pacote faster-whisper, que não está instalado "
             "neste servidor: instale o Ponte com pip install \"ponte[whisper]\".")


def load_model(model_dir: str) -> Any:
    """The WhisperModel of the folder, loaded once (again if its model.bin changed)."""
    folder = check_model_dir(model_dir)
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise unavailable(not_installed(), "faster_whisper not installed") from None
    key = (str(folder.resolve()), (folder / "model.bin").stat().st_mtime)
    with _lock:
        if key not in _loaded:
            try:
                _loaded[key] = WhisperModel(str(folder), device="auto", compute_type="default",
                                            local_files_only=True)
            except Exception as exc:  # CTranslate2 says RuntimeError for a bad model.bin
                log.warning("loading the Whisper model failed: %s", exc)
                raise unavailable(_(
                    "O modelo Whisper da pasta configurada não pôde ser carregado (arquivo "
                    "corrompido ou de uma versão do CTranslate2 que este servidor não lê): "
                    "converta o modelo de novo ou use outro."),
                    f"load failed ({type(exc).__name__})") from None
        return _loaded[key]


def transcribe(model: Any, data: bytes, language: str) -> str:
    """The words of the audio (faster-whisper decodes Ogg/Opus and the rest with PyAV)."""
    segments, _info = model.transcribe(io.BytesIO(data), language=language or None)
    return " ".join(segment.text.strip() for segment in segments)
