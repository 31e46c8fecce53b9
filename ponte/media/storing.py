"""Checking and storing a file's bytes: caps, sniffed type, one copy per content."""

from dataclasses import dataclass

from ponte.media.models import MediaFile


class MediaRefused(Exception):
    """Bytes that fail the checks; `problem` is a stable code (see `wording.py`)."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(detail or problem)
        self.problem = problem  # "too_large", "type_mismatch", "empty", "unreadable"
        self.detail = detail


@dataclass(frozen=True)
class Incoming:
    """Bytes to store and what their sender said of them."""

    data: bytes
    kind: str  # the message kind: image, sticker, audio, voice, video, document
    declared_mimetype: str | None = None


def do_store_bytes(org_id: int, incoming: Incoming) -> MediaFile:
    """Check the bytes and store them once per organization and content.

    Raises MediaRefused when a cap or the sniffed type refuses them. The same bytes
    stored again return the existing MediaFile.
    """
    raise NotImplementedError


def do_release_files(file_ids: set[int]) -> int:
    """Delete the files (and thumbnails) no message uses any more, once committed."""
    raise NotImplementedError
