"""Speak a pt-BR sentence into an OGG/Opus file, the format of a WhatsApp voice note.

    python scripts/voice_note.py OUT.ogg "Oi, tudo bem?"

Made with espeak-ng (the voice), sox (to 16 kHz mono) and the system's libsndfile
(1.0.29 or later writes Opus in Ogg). The demo's voice note in `ponte/demo_assets/` was
made with it; the demo itself needs none of these tools.
"""

import ctypes
import ctypes.util
import subprocess
import sys
import tempfile
from pathlib import Path

SFM_WRITE = 0x20
SF_FORMAT_OGG_OPUS = 0x200000 | 0x0064
SFC_SET_COMPRESSION_LEVEL = 0x1301
RATE = 16000  # what WhatsApp records voice notes at


class SoundInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def speak(text: str, voice: str = "pt-br") -> bytes:
    """16-bit mono samples at RATE of espeak-ng saying `text`."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "voice.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
        return subprocess.run(["sox", str(wav), "-t", "raw", "-r", str(RATE), "-c", "1", "-b",
                               "16", "-e", "signed-integer", "-"], check=True,
                              capture_output=True).stdout


def write_ogg_opus(samples: bytes, out: Path, compression: float = 0.97) -> None:
    """Encode 16-bit mono samples at RATE as Opus in Ogg through libsndfile."""
    library = ctypes.util.find_library("sndfile")
    if not library:
        raise SystemExit("libsndfile is not installed")
    sndfile = ctypes.CDLL(library)
    sndfile.sf_open.restype = ctypes.c_void_p
    sndfile.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SoundInfo)]
    sndfile.sf_command.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    sndfile.sf_write_short.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64]
    sndfile.sf_write_short.restype = ctypes.c_int64
    sndfile.sf_close.argtypes = [ctypes.c_void_p]
    sndfile.sf_strerror.restype = ctypes.c_char_p
    sndfile.sf_strerror.argtypes = [ctypes.c_void_p]
    info = SoundInfo(samplerate=RATE, channels=1, format=SF_FORMAT_OGG_OPUS)
    handle = sndfile.sf_open(str(out).encode(), SFM_WRITE, ctypes.byref(info))
    if not handle:
        raise SystemExit(f"libsndfile: {sndfile.sf_strerror(None).decode()}")
    level = ctypes.c_double(compression)  # 0 best quality .. 1 smallest file
    sndfile.sf_command(handle, SFC_SET_COMPRESSION_LEVEL, ctypes.byref(level),
                       ctypes.sizeof(level))
    frames = len(samples) // 2
    written = sndfile.sf_write_short(handle, samples, frames)
    sndfile.sf_close(handle)
    if written != frames:
        raise SystemExit(f"libsndfile wrote {written} of {frames} frames")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    write_ogg_opus(speak(sys.argv[2]), Path(sys.argv[1]))
