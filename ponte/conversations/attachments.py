"""A file someone sends: the WhatsApp kind it goes as, and a voice note as WhatsApp wants it.

WhatsApp shows a file as a photo, a video or an audio only in the formats its apps
play everywhere (the Cloud API lists them: JPEG and PNG images, MP4 and 3GPP videos,
MP3, AAC, AMR, M4A and Ogg/Opus audio); anything else goes as a document, which the
customer downloads as it is. The choice reads the bytes, never the name; a file its
uploader called a picture, an audio or a video and whose bytes are none is refused (HTML
named `foto.jpg` goes nowhere). A voice note must be Ogg/Opus: a browser's WebM/Opus
recording is rewrapped (`oggopus.py`); any other voice is refused, not sent as another kind.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ponte.conversations.oggopus import NotOpus, is_ogg_opus, is_webm, webm_to_ogg_opus
from ponte.errors import Refused
from ponte.media.kinds import AS_AUDIO, AS_VIDEO, extension_for
from ponte.media.sniffing import normalized, sniff

FILENAME_LENGTH = 200
VOICE_FILENAME = "audio.ogg"
# Kinds WhatsApp shows with a caption under them; audio and voice notes carry none.
CAPTIONED = frozenset({"image", "video", "document"})
PLAYED = {"image/jpeg": "image", "image/png": "image", "video/mp4": "video",
          "video/3gpp": "video", "audio/mpeg": "audio", "audio/aac": "audio",
          "audio/amr": "audio", "audio/mp4": "audio", "audio/ogg": "audio"}
# An MP4 track's handler box names what it holds: `vide` a picture, `soun` sound.
_VIDEO_TRACK = re.compile(rb"hdlr.{8}vide", re.DOTALL)
_AUDIO_TRACK = re.compile(rb"hdlr.{8}soun", re.DOTALL)
# Format characters (bidi controls among them) and control characters never reach a name.
_UNSHOWN = re.compile(r"[\x00-\x1f\x7f]")


VOICE_NOT_OPUS = _("Uma mensagem de voz precisa ser áudio Opus, num arquivo OGG ou WebM (o "
                   "que os navegadores gravam).")


class AttachmentRefused(Refused):
    """A file that cannot go as asked; `code` says why."""

    status = 422


@dataclass(frozen=True)
class Attachment:
    """A file as it was uploaded: its bytes, its name and the type its sender declared."""

    data: bytes
    filename: str = ""
    mimetype: str = ""
    voice: bool = False  # sent as a voice note (push-to-talk), not as an audio file


@dataclass(frozen=True)
class Outgoing:
    """What will be stored and sent: the kind, the bytes (rewrapped for a voice note),
    the type declared to the storage and the name the customer sees."""

    kind: str
    data: bytes
    mimetype: str
    filename: str


def whatsapp_type(data: bytes) -> tuple[str, str] | None:
    """(kind, mimetype) for bytes WhatsApp plays as an image, video or audio; None otherwise."""
    sniffed = sniff(data)
    # A recording with no picture (Safari records voice as MP4) is audio, whatever brand
    # its container carries: a brand says M4A only for files made as audio.
    if sniffed in ("video/mp4", "video/3gpp") and not _VIDEO_TRACK.search(data) \
            and _AUDIO_TRACK.search(data):
        return "audio", "audio/mp4"
    if sniffed == "audio/ogg" and not is_ogg_opus(data):
        return None  # Vorbis: WhatsApp plays only Opus in Ogg
    kind = PLAYED.get(sniffed or "")
    return (kind, sniffed) if kind else None


def outgoing(attachment: Attachment, caption: str = "") -> Outgoing:
    """What the file goes as; raises AttachmentRefused for an empty file, a voice note that
    is not Opus, or a caption on audio."""
    data = attachment.data
    if not data:
        raise AttachmentRefused("empty", _("O arquivo está vazio."))
    if attachment.voice:
        kind, mimetype = "voice", "audio/ogg"
        if is_webm(data):
            try:
                data = webm_to_ogg_opus(data)
            except NotOpus as exc:
                raise AttachmentRefused("voice_not_opus", VOICE_NOT_OPUS) from exc
        elif not is_ogg_opus(data):
            raise AttachmentRefused("voice_not_opus", VOICE_NOT_OPUS)
    else:
        if not _same_family(attachment.mimetype, data):
            raise AttachmentRefused("type_mismatch", _(
                "O conteúdo do arquivo não é do tipo que ele diz ser (%(declared)s).")
                % {"declared": normalized(attachment.mimetype)})
        kind, mimetype = whatsapp_type(data) or ("document", attachment.mimetype)
    if caption and kind not in CAPTIONED:
        raise AttachmentRefused("caption_not_allowed", _(
            "O WhatsApp não mostra legenda em áudios: envie o texto numa mensagem à parte."))
    name = VOICE_FILENAME if kind == "voice" else clean_filename(attachment.filename, mimetype)
    # The storage compares this with the bytes: the uploader's word for a document, ours
    # for what was recognized (a rewrapped voice note is no longer what was uploaded).
    declared = (mimetype or "application/octet-stream").strip()[:100]
    return Outgoing(kind=kind, data=data, mimetype=declared, filename=name)


def _same_family(declared: str, data: bytes) -> bool:
    """A file declared a picture, an audio or a video must be one (of any format): HTML
    or a PDF named `foto.jpg` is not sent on. Other declarations are not held to it."""
    family = normalized(declared).partition("/")[0]
    if family not in ("image", "audio", "video"):
        return True
    sniffed = sniff(data, declared) or ""
    sniffed = {"audio": AS_AUDIO, "video": AS_VIDEO}.get(family, {}).get(sniffed, sniffed)
    return sniffed.partition("/")[0] == family


def clean_filename(raw: str, mimetype: str = "") -> str:
    """The name a customer sees: no folders, no control or bidi characters, not too long;
    a generic one when nothing is left."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = "".join(ch for ch in _UNSHOWN.sub("", name) if unicodedata.category(ch) != "Cf")
    name = name.strip()
    if not name.strip("."):
        extension = extension_for(normalized(mimetype))
        return "arquivo" + ("" if extension == ".bin" else extension)
    if len(name) > FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[:FILENAME_LENGTH - len(keep) - 1] + ("." + keep if keep else "")
    return name
