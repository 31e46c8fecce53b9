"""What a file's bytes are, whatever its sender said: the type a browser would be told.

puremagic reads most signatures; the containers WhatsApp's audio and video come in
(ISO media, Ogg, WebM), which it names loosely, and markup (HTML, SVG), which must
never pass for a picture, are read here first.
"""

import puremagic

from ponte.media.kinds import EXTENSIONS

MARKUP_WINDOW = 1024
TEXT_WINDOW = 4096

_ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg", "audio/x-wav": "audio/wav", "audio/wave": "audio/wav",
    "audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4", "audio/opus": "audio/ogg",
    "application/ogg": "audio/ogg", "audio/x-aac": "audio/aac", "audio/amr-nb": "audio/amr",
    "video/3gp": "video/3gpp", "application/x-pdf": "application/pdf",
    "application/x-zip-compressed": "application/zip",
}
_BY_EXTENSION = {ext: mime for mime, ext in EXTENSIONS.items()} | {
    ".jpeg": "image/jpeg", ".jfif": "image/jpeg", ".jpe": "image/jpeg", ".oga": "audio/ogg",
    ".opus": "audio/ogg", ".f4a": "audio/mp4", ".3ga": "video/3gpp", ".m4v": "video/mp4",
}


def normalized(mimetype: str | None) -> str:
    """A declared type as compared: lower case, no parameters, common aliases resolved."""
    bare = (mimetype or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def sniff(data: bytes, declared: str | None = None) -> str | None:
    """The type of the bytes, None when nothing is recognized.

    Where the bytes fit several types equally (a DOCX and an XLSX are both ZIP files),
    the declared one wins if it is among them.
    """
    if not data:
        return None
    found = _container(data) or _markup(data)
    if found:
        return found
    declared = normalized(declared)
    candidates = _puremagic(data)
    if declared in candidates:
        return declared
    if candidates:
        return candidates[0]
    return "text/plain" if _looks_like_text(data) else None


# ISO media brands of still pictures (an iPhone's HEIC, AVIF): never to pass for a video.
_HEIC_BRANDS = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"]
_PICTURE_BRANDS = dict.fromkeys(_HEIC_BRANDS, "image/heic")
_PICTURE_BRANDS |= {b"mif1": "image/heif", b"msf1": "image/heif", b"avif": "image/avif",
                    b"avis": "image/avif"}


def _iso_picture(box: bytes) -> str | None:
    """A picture's type from the `ftyp` box: its major brand, else a compatible one."""
    size = int.from_bytes(box[:4], "big")
    brands = [box[8:12]] + [box[at:at + 4] for at in range(16, min(size, len(box)) - 3, 4)]
    for brand in brands:
        if brand in (b"avif", b"avis"):
            return _PICTURE_BRANDS[brand]
    for brand in brands:
        if brand in _PICTURE_BRANDS:
            return _PICTURE_BRANDS[brand]
    return None


def _container(data: bytes) -> str | None:
    head = data[:64]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        picture = _iso_picture(head)
        if picture:
            return picture
        if brand in (b"M4A ", b"M4B ", b"M4P ", b"F4A "):
            return "audio/mp4"
        if brand.startswith((b"3gp", b"3g2")):
            return "video/3gpp"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"theora" in data[:256] else "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head else "video/x-matroska"
    if head.startswith(b"#!AMR-WB\n"):
        return "audio/amr-wb"
    if head.startswith(b"#!AMR\n"):
        return "audio/amr"
    if head.startswith(b"RIFF") and head[8:12] in (b"WAVE", b"WEBP"):
        return "audio/wav" if head[8:12] == b"WAVE" else "image/webp"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # an ADTS frame header (layer bits 00)
    return None


def _markup(data: bytes) -> str | None:
    """HTML and SVG, however they start: a browser would run their scripts."""
    text = data[:MARKUP_WINDOW].lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "image/svg+xml"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script",
                        b"<iframe", b"<!--")):
        return "text/html"
    return None


def _puremagic(data: bytes) -> list[str]:
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return []
    found: list[str] = []
    for match in sorted(matches, key=lambda m: -m.confidence):
        mime = normalized(match.mime_type) or _BY_EXTENSION.get(match.extension.lower(), "")
        if mime and mime not in found:
            found.append(mime)
    return found


def _looks_like_text(data: bytes) -> bool:
    window = data[:TEXT_WINDOW]
    if b"\x00" in window:
        return False
    try:
        window.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut at the window's end is still text.
        return exc.start >= len(window) - 3
    return True
