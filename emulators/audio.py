"""What the transcription routes of the model emulators share: reading a multipart upload,
telling an audio format by its first bytes, and how long an Ogg or WAV clip lasts.

Standard library only, like the rest of the emulators.
"""

import io
import struct
import wave
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP


@dataclass(frozen=True)
class FormPart:
    """One field of a multipart/form-data body."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def parse_form(content_type: str, raw: bytes) -> dict[str, FormPart] | None:
    """The fields of a multipart/form-data body by name; None when it is not one."""
    if not content_type.lower().startswith("multipart/form-data") or "boundary=" not in \
            content_type:
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    if not message.is_multipart():
        return None
    fields: dict[str, FormPart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        declared = part.get("content-type")
        fields[str(name)] = FormPart(
            str(name), payload, part.get_filename(),
            str(declared).split(";")[0].strip() if declared else None)
    return fields


def audio_format(data: bytes) -> str | None:
    """"ogg", "wav", "mp3", "flac", "webm", "mp4" from the bytes; None when none of these."""
    if data.startswith(b"OggS"):
        return "ogg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if data[4:8] == b"ftyp":
        return "mp4"
    return None


def duration(data: bytes) -> float | None:
    """Seconds of an Ogg Opus/Vorbis or WAV clip; None for other formats or odd files."""
    kind = audio_format(data)
    if kind == "wav":
        try:
            with wave.open(io.BytesIO(data)) as clip:
                return clip.getnframes() / clip.getframerate()
        except (wave.Error, EOFError, ZeroDivisionError):
            return None
    if kind != "ogg":
        return None
    last = data.rfind(b"OggS")
    if last < 0 or len(data) < last + 14:
        return None
    granule = struct.unpack_from("<q", data, last + 6)[0]
    if b"OpusHead" in data[:200]:
        head = data.find(b"OpusHead")
        pre_skip = struct.unpack_from("<H", data, head + 10)[0]
        return max(0.0, (granule - pre_skip) / 48000)
    if b"\x01vorbis" in data[:200]:
        start = data.find(b"\x01vorbis")
        rate = struct.unpack_from("<I", data, start + 12)[0]
        return granule / rate if rate else None
    return None
