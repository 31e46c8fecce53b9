"""What each kind of message may carry: its size cap, the types its bytes may be, their names.

The types are the ones WhatsApp itself sends and accepts (JPEG, PNG and WebP photos,
Ogg/Opus voice notes, MP4 and 3GP video, any document), plus the few a browser
records or a phone exports (WebM and WAV audio, MP3, M4A, AMR).
"""

from django.conf import settings

IMAGES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
STICKERS = frozenset({"image/webp", "image/png"})
AUDIO = frozenset({"audio/ogg", "audio/mp4", "audio/mpeg", "audio/amr", "audio/amr-wb",
                   "audio/aac", "audio/webm", "audio/wav", "audio/3gpp"})
VIDEO = frozenset({"video/mp4", "video/3gpp", "video/quicktime", "video/webm"})

# The kinds whose bytes must be of these types; any other kind is a document.
ACCEPTED = {"image": IMAGES, "sticker": STICKERS, "audio": AUDIO, "voice": AUDIO,
            "video": VIDEO}
# A container sniffed as video holding a voice note, or the other way round, is named for
# what the message says it is: an M4A is an MP4, an Opus WebM from a browser is a WebM.
AS_AUDIO = {"video/mp4": "audio/mp4", "video/webm": "audio/webm", "video/3gpp": "audio/3gpp",
            "video/ogg": "audio/ogg"}
AS_VIDEO = {"audio/mp4": "video/mp4", "audio/webm": "video/webm", "audio/3gpp": "video/3gpp"}

# Shown in the browser (the chat's players and the full-size image); every other type,
# SVG and HTML included, is downloaded as an attachment.
INLINE = IMAGES | AUDIO | VIDEO
# Thumbnails are made for these kinds.
PICTURED = frozenset({"image", "sticker"})

EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
    "image/svg+xml": ".svg", "image/heic": ".heic", "image/heif": ".heif",
    "image/avif": ".avif", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/mpeg": ".mp3",
    "audio/amr": ".amr", "audio/amr-wb": ".awb", "audio/aac": ".aac", "audio/webm": ".weba",
    "audio/wav": ".wav", "audio/3gpp": ".3gp", "video/mp4": ".mp4", "video/3gpp": ".3gp",
    "video/quicktime": ".mov", "video/webm": ".webm", "video/ogg": ".ogv",
    "application/pdf": ".pdf", "text/plain": ".txt", "text/csv": ".csv", "text/html": ".html",
    "application/zip": ".zip", "application/xml": ".xml",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}


def extension_for(mimetype: str) -> str:
    return EXTENSIONS.get(mimetype, ".bin")


def cap_for(kind: str) -> int:
    """The most bytes a file of this message kind may have (`PONTE_MEDIA_MAX_BYTES_*`)."""
    caps = {"image": settings.PONTE_MEDIA_MAX_BYTES_IMAGE,
            "sticker": settings.PONTE_MEDIA_MAX_BYTES_STICKER,
            "audio": settings.PONTE_MEDIA_MAX_BYTES_AUDIO,
            "voice": settings.PONTE_MEDIA_MAX_BYTES_AUDIO,
            "video": settings.PONTE_MEDIA_MAX_BYTES_VIDEO}
    return caps.get(kind, settings.PONTE_MEDIA_MAX_BYTES_DOCUMENT)


def shown_inline(mimetype: str) -> bool:
    return mimetype in INLINE
