"""A real pt-BR voice note for tests: espeak-ng speaks a sentence, PyAV encodes it as
WhatsApp does (Ogg/Opus, mono, 48 kHz).

Debian's sox has no Opus encoder and neither ffmpeg nor opusenc is installed, so the
encoding is PyAV's (its wheel carries FFmpeg with libopus), a test dependency.
"""

import functools
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support import missing_service


@functools.cache
def spoken_ogg(sentence: str = "quero comprar o tênis azul") -> bytes:
    """The sentence spoken in Brazilian Portuguese, as an Ogg/Opus file's bytes."""
    if shutil.which("espeak-ng") is None:
        missing_service("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "clip.wav"
        subprocess.run(["espeak-ng", "-v", "pt-br", "-w", str(wav), sentence], check=True,
                       capture_output=True, timeout=30)
        return wav_to_ogg_opus(wav.read_bytes())


def wav_to_ogg_opus(wav: bytes) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out, "w", format="ogg") as target:
        stream = target.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        resample = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(source.streams.audio[0]):
            for converted in resample.resample(frame):
                target.mux(stream.encode(converted))
        for converted in resample.resample(None):
            target.mux(stream.encode(converted))
        target.mux(stream.encode(None))
    return out.getvalue()
