"""Real files of every type WhatsApp carries, made on the spot (Pillow for pictures, PyAV,
which bundles FFmpeg's encoders, for audio and video): no binary sits in the repository."""

import io
import math
import zipfile
from functools import cache

from PIL import Image


@cache
def jpeg(width: int = 640, height: int = 480, *, orientation: int | None = None,
         color: str = "teal") -> bytes:
    """A photo as a phone takes it; `orientation` is the EXIF tag a camera writes when the
    phone was held sideways (6: the picture must turn a quarter clockwise)."""
    image = Image.new("RGB", (width, height), color)
    image.paste(Image.new("RGB", (width // 4, height // 4), "orange"), (0, 0))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


@cache
def png(width: int = 200, height: int = 100, *, transparent: bool = False) -> bytes:
    image = Image.new("RGBA" if transparent else "RGB", (width, height),
                      (0, 128, 0, 0) if transparent else "navy")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@cache
def webp(width: int = 512, height: int = 512) -> bytes:
    """A sticker: WhatsApp's are 512x512 WebP."""
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 30, 255)).save(out, "WEBP")
    return out.getvalue()


@cache
def huge_canvas_png(width: int = 20000, height: int = 20000) -> bytes:
    """A small file whose header declares a huge canvas: a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(1)</script></svg>")


@cache
def pdf() -> bytes:
    """A one-page PDF, as a shop's invoice is sent."""
    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, "PDF")
    return out.getvalue()


@cache
def docx() -> bytes:
    """The shape of a Word file: a ZIP with its content types."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return out.getvalue()


def _tone(rate: int, seconds: float):
    import numpy as np

    samples = rate * seconds
    return (np.sin(2 * math.pi * 440 * np.arange(int(samples)) / rate) * 0.3).astype(np.float32)


def _audio(container: str, codec: str, rate: int, seconds: float) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as media:
        stream = media.add_stream(codec, rate=rate)
        stream.layout = "mono"
        samples = _tone(rate, seconds)
        step = 960
        for start in range(0, len(samples), step):
            chunk = samples[start:start + step]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                media.mux(packet)
        for packet in stream.encode(None):
            media.mux(packet)
    return out.getvalue()


@cache
def voice_note(seconds: float = 2.0) -> bytes:
    """A WhatsApp voice note: Opus in Ogg, mono, 48 kHz."""
    return _audio("ogg", "libopus", 48000, seconds)


@cache
def m4a(seconds: float = 1.5) -> bytes:
    return _audio("ipod", "aac", 44100, seconds)


@cache
def mp3(seconds: float = 1.5) -> bytes:
    return _audio("mp3", "libmp3lame", 44100, seconds)


@cache
def amr(seconds: float = 1.0) -> bytes:
    """Old Android voice notes: AMR narrow band, fifty 12.2 kbit/s frames a second.

    Written by hand: not every PyAV wheel carries an AMR encoder, and storing
    only reads the frame headers.
    """
    frame = bytes([7 << 3 | 1 << 2]) + bytes(31)
    return b"#!AMR\n" + frame * round(seconds * 50)


@cache
def webm_voice(seconds: float = 1.0) -> bytes:
    """What Chromium's MediaRecorder records: Opus in WebM."""
    return _audio("webm", "libopus", 48000, seconds)


def _video(container: str, codec: str, frames: int = 20, rate: int = 10) -> bytes:
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, "w", format=container) as media:
        stream = media.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(frames):
            picture = np.full((48, 64, 3), index * 10 % 255, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                media.mux(packet)
        for packet in stream.encode(None):
            media.mux(packet)
    return out.getvalue()


@cache
def mp4() -> bytes:
    """Two seconds of H.264 in MP4, as WhatsApp sends video."""
    return _video("mp4", "libx264")


@cache
def three_gp() -> bytes:
    return _video("3gp", "mpeg4")
