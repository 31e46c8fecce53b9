"""What `POST /messages` was sent: a text as JSON, or a file as multipart or as base64 JSON.

One operation takes the three, so its body is read here rather than by django-ninja's
typed parameters (which bind an operation to one content type); the models still
validate it, and the OpenAPI document lists all three (`BODY`).
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

import pydantic
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE

from ponte.api import schemas
from ponte.conversations.attachments import Attachment
from ponte.errors import Refused

_DATA_URL = re.compile(r"^data:([^;,]*)(?:;[^,]*)?,", re.IGNORECASE)
_SPACES = re.compile(rb"\s+")


def _ref(model: type) -> dict:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


# The request body as the OpenAPI document shows it; `openapi.PonteAPI` adds the models.
BODY_MODELS = (schemas.SendIn, schemas.SendMediaIn, schemas.SendFileForm)
BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"oneOf": [_ref(schemas.SendIn),
                                               _ref(schemas.SendMediaIn)]}},
    "multipart/form-data": {"schema": _ref(schemas.SendFileForm)},
}}}


@dataclass(frozen=True)
class FileSend:
    """A file to send, as read from either of the two ways to upload one."""

    attachment: Attachment
    caption: str = ""
    to: str | None = None
    conversation_id: int | None = None


def read_send(request: HttpRequest) -> schemas.SendIn | FileSend:
    """The text or the file this request asks to send; raises ValidationError (422),
    HttpError (400, a body that is not JSON) or Refused (`invalid_base64`)."""
    if request.content_type == "multipart/form-data":
        return _from_form(request)
    try:
        body = json.loads(request.body or b"null")
    except ValueError as exc:
        raise HttpError(400, "Cannot parse request body") from exc
    if isinstance(body, dict) and "media" in body:
        payload = _validated(schemas.SendMediaIn, body, ("body", "payload"))
        declared, data = _decoded(payload.media.base64)
        attachment = Attachment(data=data, filename=payload.media.filename,
                                mimetype=payload.media.mimetype or declared, voice=payload.voice)
        return FileSend(attachment, payload.caption, payload.to, payload.conversation_id)
    return _validated(schemas.SendIn, body, ("body", "payload"))


def _from_form(request: HttpRequest) -> FileSend:
    upload = request.FILES.get("file")
    fields = {key: request.POST[key] for key in request.POST}
    if upload is not None:
        fields["file"] = b""  # read below, once the other fields are known to be good
    payload = _validated(schemas.SendFileForm, fields, ("form",))
    attachment = Attachment(data=upload.read(), filename=upload.name or "",
                            mimetype=upload.content_type or "", voice=payload.voice)
    return FileSend(attachment, payload.caption, payload.to, payload.conversation_id)


def _validated(model: type[pydantic.BaseModel], data, where: tuple[str, ...]):
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError([{**error, "loc": (*where, *error["loc"])}
                               for error in exc.errors(include_url=False)]) from None


def _decoded(text: str) -> tuple[str, bytes]:
    """The declared type (from a `data:` prefix) and the bytes of a base64 text."""
    declared = ""
    found = _DATA_URL.match(text)
    if found:
        declared, text = found.group(1), text[found.end():]
    try:
        return declared, base64.b64decode(_SPACES.sub(b"", text.encode("ascii")), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise Refused("invalid_base64", _("O campo media.base64 não é um base64 válido."),
                      status=422) from exc
