"""The media storage (`STORAGES["ponte_media"]`): a folder by default, an S3 bucket when set."""

import logging
from collections.abc import Iterable

from django.core.files.storage import Storage, storages

log = logging.getLogger(__name__)


def media_storage() -> Storage:
    return storages["ponte_media"]


def delete_stored(names: Iterable[str]) -> None:
    """Delete these objects; one that cannot be deleted now is logged, never raised.

    Runs after the rows that named them are committed gone: a failure leaves an
    object no row names, which nothing serves.
    """
    storage = media_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            log.exception("could not delete %s from the media storage", name)
