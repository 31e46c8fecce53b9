"""Answering a stored file: streamed from the storage, byte ranges, and headers that keep
a browser from running what a customer sent.

Who may read the file is the caller's question (`web/media_views.py`): this module is
handed a file the request may see. Pictures, audio and video (their sniffed type) are
shown inline; anything else, SVG and HTML included, is an attachment whose type a
browser cannot render, in a sandbox. Ranges let Chromium seek in a voice note and
learn its length without fetching it whole.
"""

import asyncio
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers

from ponte.media.kinds import extension_for, shown_inline
from ponte.media.models import MediaFile
from ponte.media.storage import media_storage

CHUNK = 64 * 1024
CACHE_CONTROL = "private, max-age=3600"
# Attachments: even opened by hand, nothing in them runs or loads.
ATTACHMENT_POLICY = "default-src 'none'; sandbox"
# Types a browser would render as a page or run; as attachments they go as plain bytes.
SCRIPTABLE = frozenset({"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml",
                        "application/xml", "text/javascript", "application/javascript"})
FILENAME_LENGTH = 120
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def file_response(request: HttpRequest, stored: MediaFile, *, filename: str | None,
                  fallback_name: str, thumbnail: bool = False) -> HttpResponseBase:
    """The file's bytes (or its thumbnail's), whole or the range asked for.

    `filename` is what its sender called it (cleaned here), `fallback_name` a name of
    ours without extension for a file that came without one.
    """
    if thumbnail:
        name, mimetype, etag = stored.thumbnail, "image/jpeg", f'"{stored.sha256}-thumb"'
        size = media_storage().size(name)
    else:
        name, mimetype, etag = stored.name, stored.mimetype, f'"{stored.sha256}"'
        size = stored.size
    inline = thumbnail or shown_inline(mimetype)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _with_headers(not_modified, etag)
    wanted = _wanted_range(request, etag, size)
    if wanted == "unsatisfiable":
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return _with_headers(refused, etag)
    start, end = wanted or (0, size - 1)
    length = end - start + 1
    if request.method == "HEAD":
        response = HttpResponse(status=206 if wanted else 200)
    else:
        handle = media_storage().open(name, "rb")
        if start:
            handle.seek(start)
        chunks = _async_chunks(handle, length) if isinstance(request, ASGIRequest) \
            else _chunks(handle, length)
        response = StreamingHttpResponse(chunks, status=206 if wanted else 200)
    response["Content-Type"] = mimetype if inline or mimetype not in SCRIPTABLE \
        else "application/octet-stream"
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    shown = safe_filename(filename, fallback_name, mimetype if not thumbnail else "image/jpeg")
    response["Content-Disposition"] = content_disposition(shown, inline=inline)
    if not inline:
        response["Content-Security-Policy"] = ATTACHMENT_POLICY
    return _with_headers(response, etag)


def _with_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


def _wanted_range(request: HttpRequest, etag: str, size: int):
    """(start, end) of one byte range asked for; None for the whole file (no Range, a
    stale If-Range, several ranges, a form we do not read); "unsatisfiable" past the end."""
    header = request.headers.get("Range", "")
    if not header or request.headers.get("If-Range", etag) != etag:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start = int(match[1])
        if match[2] and int(match[2]) < start:
            return None  # not a range at all (RFC 9110 14.1.1): the whole file
        if start >= size:
            return "unsatisfiable"
        return start, min(int(match[2]), size - 1) if match[2] else size - 1
    suffix = int(match[2])
    if suffix == 0 or size == 0:
        return "unsatisfiable"
    return max(size - suffix, 0), size - 1


def _chunks(handle, length: int) -> Iterator[bytes]:
    try:
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


async def _async_chunks(handle, length: int) -> AsyncIterator[bytes]:
    """Under ASGI: each read in a thread, so a slow disk or bucket never holds the loop, and
    the file is never read whole into memory (Django would, given a plain iterator)."""
    try:
        left = length
        while left > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


def safe_filename(filename: str | None, fallback_name: str, mimetype: str) -> str:
    """The sender's filename without what could mislead or break out: no folders, no
    control or bidi characters ("Fatura\\u202egnp.exe"), no leading dots; ours when
    nothing is left, with the extension of what the bytes are."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = " ".join(name.split()).lstrip(".").strip()
    if not name:
        name = fallback_name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        name = name + extension_for(mimetype)
    if len(name) > FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = FILENAME_LENGTH - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and keep > 0 else name[:FILENAME_LENGTH]
    return name


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266 with RFC 5987: an ASCII name for old clients, the real one beside it."""
    decomposed = unicodedata.normalize("NFKD", filename)
    plain = "".join(ch if ch.isascii() and (ch.isalnum() or ch in " .()+,=@-_") else "_"
                    for ch in decomposed if not unicodedata.combining(ch))
    disposition = "inline" if inline else "attachment"
    header = f'{disposition}; filename="{plain}"'
    if plain != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
