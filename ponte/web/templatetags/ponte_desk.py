"""Drawing what attendants write for each other: notes with their mentions, the bell."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ponte.desk.notifications import unread_count
from ponte.web.templatetags.ponte_web import without_bidi

register = template.Library()

@register.filter
def note_text(value: object) -> SafeString:
    """A note as written, escaped, its `@mentions` marked, its lines kept, in its own <bdi>."""
    escaped = escape(without_bidi(value))
    marked = re.sub(r"(^|[\s(\[{“]|&quot;|&#x27;)@([\w.+-]+)",
                    r'\1<span class="mention">@\2</span>', escaped)
    lines = marked.replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(f"<bdi>{lines}</bdi>")  # noqa: S308 - escaped above, tags are ours


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in member's unread notifications (never anyone else's)."""
    request, member = context.get("request"), context.get("member")
    if request is None or member is None or not request.user.is_authenticated:
        return 0
    return unread_count(member.org_id, request.user)
