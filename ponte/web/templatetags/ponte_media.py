"""How a message's media shows in the chat: what to draw, from its file and its media JSON.

Everything here is read from `Message.media` (what the engine declared, and the download's
`state` and `problem`) and `Message.file` (the stored bytes' truth); the template only draws.
"""

import math
from dataclasses import dataclass, field

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponte.identity import canonicalize
from ponte.media.kinds import cap_for

register = template.Library()

# The message kinds, grouped by how they are drawn.
SHOWN_AS = {"image": "image", "sticker": "image", "audio": "audio", "voice": "audio",
            "video": "video", "document": "document", "location": "location",
            "contact": "contacts"}
PROBLEMS = {
    "type_mismatch": gettext_lazy("O arquivo não é do tipo que diz ser e foi bloqueado."),
    "empty": gettext_lazy("O arquivo chegou vazio."),
    "unreadable": gettext_lazy("O arquivo está danificado e não pôde ser lido."),
    "media_gone": gettext_lazy("O WhatsApp não tem mais este arquivo; peça ao cliente que "
                               "envie de novo."),
    "engine": gettext_lazy("Não foi possível baixar o arquivo do WhatsApp, mesmo tentando "
                           "várias vezes."),
}
# A state without a known problem code still says what happened.
STATE_PROBLEMS = {"refused": "type_mismatch", "gone": "media_gone", "failed": "engine"}
THUMBNAIL_BOX = 240  # CSS pixels: the longer side of a picture in the chat


@dataclass
class SharedPhone:
    shown: str  # as the card wrote it, or formatted when it is a phone Ponte understands
    e164: str = ""  # set when the number can open a chat


@dataclass
class SharedCard:
    name: str
    phones: list[SharedPhone] = field(default_factory=list)


@dataclass
class MediaView:
    """What the chat draws for one message's media."""

    shown_as: str  # image, audio, video, document, location, contacts, other
    ready: bool = False  # the file is stored: its URLs may be linked
    pending: bool = False  # still being fetched from the engine
    problem: str = ""  # why the file is not there, in the reader's language
    url: str = ""
    thumbnail_url: str = ""
    mimetype: str = ""
    filename: str = ""
    size: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    latitude: str = ""
    longitude: str = ""
    place: str = ""
    address: str = ""
    map_url: str = ""
    cards: list[SharedCard] = field(default_factory=list)


def _number(value: object) -> float | None:
    """A finite number from JSON written by others, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _coordinate(value: object, limit: float) -> str:
    """A latitude or longitude as a URL wants it (a dot, no exponent), or "" when absurd."""
    number = _number(value)
    if number is None or abs(number) > limit:
        return ""
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _fit(width: int | None, height: int | None) -> tuple[int | None, int | None]:
    """The size a picture takes in the chat, so the history does not jump as thumbnails load."""
    if not width or not height:
        return None, None
    scale = min(1.0, THUMBNAIL_BOX / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def problem_text(kind: str, state: str, problem: str) -> str:
    """Why a file is not shown, in words an attendant can act on."""
    code = problem or STATE_PROBLEMS.get(state, "")
    if code == "too_large":
        return _("Arquivo maior que o limite de %(limit)s.") % {
            "limit": filesizeformat(cap_for(kind))}
    if code in PROBLEMS:
        return str(PROBLEMS[code])
    return _("O arquivo não pôde ser guardado.")


def _cards(value: object) -> list[SharedCard]:
    cards = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        card = SharedCard(name=_text(item.get("name")))
        phones = item.get("phones")
        for raw in phones if isinstance(phones, list) else []:
            if not isinstance(raw, str) or not raw.strip():
                continue
            identity = canonicalize(raw)
            if identity.kind == "user" and identity.e164:
                card.phones.append(SharedPhone(shown=raw.strip(), e164=identity.e164))
            else:
                card.phones.append(SharedPhone(shown=raw.strip()))
        if card.name or card.phones:
            cards.append(card)
    return cards


def media_view(message) -> MediaView:
    """Everything the templates need to draw a message's media, from its file and JSON."""
    facts = message.media if isinstance(message.media, dict) else {}
    view = MediaView(shown_as=SHOWN_AS.get(message.kind, "other"))
    view.mimetype = _text(facts.get("mimetype"))
    view.filename = _text(facts.get("filename"))
    size = _number(facts.get("size"))
    view.size = int(size) if size is not None and size >= 0 else None
    view.duration = _number(facts.get("duration"))
    if view.shown_as == "location":
        spot = facts.get("location") if isinstance(facts.get("location"), dict) else {}
        view.latitude = _coordinate(spot.get("latitude"), 90)
        view.longitude = _coordinate(spot.get("longitude"), 180)
        view.place, view.address = _text(spot.get("name")), _text(spot.get("address"))
        if view.latitude and view.longitude:
            view.map_url = (f"https://www.openstreetmap.org/?mlat={view.latitude}"
                            f"&mlon={view.longitude}#map=17/{view.latitude}/{view.longitude}")
        return view
    if view.shown_as == "contacts":
        view.cards = _cards(facts.get("contacts"))
        return view
    if view.shown_as == "other":
        return view
    stored = message.file if message.file_id else None
    state = _text(facts.get("state"))
    if stored is not None:
        view.ready = True
        view.url = reverse("message-media", args=[message.pk])
        view.mimetype = stored.mimetype or view.mimetype
        view.size = stored.size
        view.duration = stored.duration if stored.duration else view.duration
        view.width, view.height = _fit(stored.width, stored.height)
        if view.shown_as == "image":
            # A stored picture without a thumbnail (a sticker too small to need one) is its own.
            view.thumbnail_url = (reverse("message-media-thumbnail", args=[message.pk])
                                  if stored.thumbnail else view.url)
    elif state == "pending":
        view.pending = True
    elif state in STATE_PROBLEMS or facts.get("problem"):
        view.problem = problem_text(message.kind, state, _text(facts.get("problem")))
    return view


@register.inclusion_tag("web/_media.html")
def media(message) -> dict:
    """A message's media as the chat shows it (`web/_media.html`)."""
    return {"m": message, "view": media_view(message)}


@register.filter
def clock(seconds: float | None) -> str:
    """A duration as players show it: 0:07, 12:34, 1:02:03."""
    number = _number(seconds)
    if number is None or number < 0:
        return ""
    total = round(number)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
