"""Which chats a member sees: everyone sees all unless the organization turned
DeskSettings.agents_see_all off; then an attendant (role agent) sees the chats assigned
to them and the unassigned ones. The one rule the inbox, the chat and the search share."""

from django.db.models import Q, QuerySet

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Conversation
from ponte.desk.models import DeskSettings


def visibility_filter(member: Member, path: str = "") -> Q | None:
    """A filter on conversations (`path`: the way to them from another model, as
    "conversation__"); None when the member sees everything."""
    if member.role != Role.AGENT or DeskSettings.for_org(member.org_id).agents_see_all:
        return None
    return Q(**{f"{path}assignee__isnull": True}) | Q(**{f"{path}assignee_id": member.user_id})


def visible_conversations(member: Member, chats: QuerySet) -> QuerySet:
    rule = visibility_filter(member)
    return chats if rule is None else chats.filter(rule)


def can_see(member: Member, chat: Conversation) -> bool:
    rule = visibility_filter(member)
    return rule is None or chat.assignee_id in (None, member.user_id)
