"""Refuse oversized request bodies before they are buffered to memory or disk.

Bodies are capped at `PONTE_MAX_WEBHOOK_BYTES`, except those that carry a file to send
(the API's `POST /api/v1/messages`, the composer's upload), capped at
`PONTE_MAX_UPLOAD_BYTES`: the largest file a kind may have. The file's own kind's limit
is checked once it is read.
"""

import json
import re

from django.conf import settings
from django.utils.translation import gettext

UPLOADS = re.compile(r"/(?:api/v1/messages|conversations/\d{1,18}/send-file/|chat/send-file/)")


def is_upload(scope) -> bool:
    return scope.get("method") == "POST" and bool(UPLOADS.fullmatch(scope.get("path", "")))


class BodyCapMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        upload = is_upload(scope)
        limit = settings.PONTE_MAX_UPLOAD_BYTES if upload else settings.PONTE_MAX_WEBHOOK_BYTES
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        # More digits than any int64 is over the cap too, and int() refuses 4,300 digits.
        if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            await self._too_large(send, limit, upload)
            return
        seen = 0

        async def capped_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, capped_receive, send)
        except BodyTooLarge:
            await self._too_large(send, limit, upload)

    @staticmethod
    async def _too_large(send, limit: int, upload: bool) -> None:
        detail = f"Body over {limit} bytes."
        if upload:  # a person sending a file reads this
            detail = gettext("O envio passa do limite de %(megabytes)s MB.") % {
                "megabytes": f"{limit / 1_000_000:.0f}"}
        body = json.dumps({"error": "too_large", "detail": detail}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"x-content-type-options", b"nosniff"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass
