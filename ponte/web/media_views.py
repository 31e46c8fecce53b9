"""The files of messages, to members of their organization and to its API keys only.

Anyone else, and a file not stored (still being fetched, refused), gets the same 404:
an id reveals nothing. The answer itself (ranges, inline or attachment) is
`media.serving`'s.
"""

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from ponte.accounts.models import ApiKey, Member
from ponte.conversations.queries import message_with_file
from ponte.media.serving import file_response


@require_safe
def message_media(request: HttpRequest, message_id: int) -> HttpResponseBase:
    return _serve(request, message_id, thumbnail=False)


@require_safe
def message_media_thumbnail(request: HttpRequest, message_id: int) -> HttpResponseBase:
    return _serve(request, message_id, thumbnail=True)


def _serve(request: HttpRequest, message_id: int, *, thumbnail: bool) -> HttpResponseBase:
    message = message_with_file(_readable_orgs(request), message_id)
    if message is None or (thumbnail and not message.file.thumbnail):
        raise Http404
    return file_response(request, message.file, filename=(message.media or {}).get("filename"),
                         fallback_name=f"ponte-{message.kind}-{message.pk}",
                         thumbnail=thumbnail)


def _readable_orgs(request: HttpRequest) -> list:
    """The organizations whose files this request may read: an API key's (as the API takes
    it, `Authorization: Bearer`), else the signed-in person's."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        key = ApiKey.objects.authenticate(token.strip())
        return [key.org_id] if key else []
    if request.user.is_authenticated:
        return list(Member.objects.filter(user=request.user).values_list("org_id", flat=True))
    return []
