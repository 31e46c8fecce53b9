"""Refuse oversized request bodies before they are buffered to memory or disk.

Every body is capped at `PONTE_MAX_WEBHOOK_BYTES`, but the ones that carry a file to
send (the API's `POST /api/v1/messages`, the composer's upload): those at
`PONTE_MAX_UPLOAD_BYTES`, the largest file a kind may have; the file's own kind's cap
is checked once it is read.
"""

import json
import re

from django.conf import settings

UPLOADS = re.compile(r"/(?:api/v1/messages|conversations/\d{1,18}/send-file/|chat/send-file/)")


def limit_for(scope) -> int:
    if scope.get("method") == "POST" and UPLOADS.fullmatch(scope.get("path", "")):
        return settings.PONTE_MAX_UPLOAD_BYTES
    return settings.PONTE_MAX_WEBHOOK_BYTES


class BodyCapMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        limit = limit_for(scope)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        # More digits than any int64 is over the cap too, and int() refuses 4,300 digits.
        if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            await self._too_large(send, limit)
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
            await self._too_large(send, limit)

    @staticmethod
    async def _too_large(send, limit: int) -> None:
        body = json.dumps({"error": "too_large", "detail": f"Body over {limit} bytes."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"x-content-type-options", b"nosniff"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass
