"""What the chat shows before a file is opened: a picture's size and thumbnail, a clip's length.

Pictures are read with Pillow, never fully decoded beyond what a thumbnail needs, and
refused above `PONTE_MEDIA_MAX_PIXELS` before any decoding: a small file can declare a
huge canvas (a decompression bomb). Lengths come from mutagen's reading of the
container's headers; AMR, which it does not read, is counted frame by frame.
"""

import io
import logging
from dataclasses import dataclass

import mutagen
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)
THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 80
ORIENTATION = 0x0112  # the EXIF tag; values 5 to 8 turn the picture a quarter
TURNED = frozenset({5, 6, 7, 8})


class Unreadable(ValueError):
    """Bytes of a picture type that Pillow cannot read."""


class TooManyPixels(ValueError):
    """A picture whose canvas is larger than Ponte decodes."""


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    thumbnail: bytes | None  # JPEG, None when the picture could not be decoded whole


def picture(data: bytes) -> Picture:
    """Width and height as shown (EXIF rotation applied) and a JPEG thumbnail."""
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # Pillow's own limit, above ours
        raise TooManyPixels(str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise Unreadable(str(exc)) from exc
    except Exception as exc:  # a hostile header breaks Pillow's readers in many ways
        raise Unreadable(f"{type(exc).__name__}: {exc}") from exc
    width, height = image.size
    if width * height > settings.PONTE_MEDIA_MAX_PIXELS:
        raise TooManyPixels(f"{width}x{height}")
    try:
        if image.getexif().get(ORIENTATION) in TURNED:
            width, height = height, width
        # A JPEG is decoded at the smallest scale still larger than the thumbnail.
        image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
        return Picture(width, height, _thumbnail(ImageOps.exif_transpose(image)))
    except Exception as exc:  # truncated past the header, a broken EXIF block
        log.info("no thumbnail for a picture Pillow could not decode: %s: %s",
                 type(exc).__name__, exc)
        return Picture(width, height, None)


def _thumbnail(image: Image.Image) -> bytes:
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def duration(data: bytes, mimetype: str) -> float | None:
    """Seconds of an audio or video file; None when its headers do not say."""
    if mimetype in ("audio/amr", "audio/amr-wb"):
        return _amr_duration(data, wideband=mimetype == "audio/amr-wb")
    try:
        found = mutagen.File(io.BytesIO(data))
    except Exception as exc:  # mutagen raises many types for a damaged header
        log.info("no duration for a %s: %s", mimetype, exc)
        return None
    length = getattr(getattr(found, "info", None), "length", None)
    return round(float(length), 3) if length else None


# Bytes of one 20 ms frame (its header byte included) by frame type; None ends the count.
_AMR_NB_FRAME = [13, 14, 16, 18, 20, 21, 27, 32, 6, None, None, None, None, None, None, 1]
_AMR_WB_FRAME = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, None, None, None, None, 1, 1]


def _amr_duration(data: bytes, *, wideband: bool) -> float | None:
    sizes = _AMR_WB_FRAME if wideband else _AMR_NB_FRAME
    position = len(b"#!AMR-WB\n" if wideband else b"#!AMR\n")
    frames = 0
    while position < len(data):
        size = sizes[(data[position] >> 3) & 0x0F]
        if size is None:
            break
        position += size
        frames += 1
    return round(frames * 0.02, 3) if frames else None
