"""The chat header's status and assignment controls, and a timeline event drawn alone
(for tabs that hear of it live)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ponte.conversations.models import Conversation
from ponte.desk.assignment import check_assignee, do_assign_to, members_to_assign
from ponte.desk.models import ConversationEvent
from ponte.desk.status import SNOOZE_CHOICES, do_change_status, snooze_until
from ponte.desk.visibility import can_see
from ponte.errors import Refused
from ponte.web.chat_actions import chat_or_404
from ponte.web.membership import member_required


def flow_context(request: HttpRequest, chat: Conversation) -> dict:
    return {"conversation": chat, "user": request.user, "statuses": Conversation.Status.choices,
            "members": members_to_assign(chat.org_id)}


def _header(request: HttpRequest, chat: Conversation, error: str = "",
            status: int = 200) -> HttpResponse:
    chat = Conversation.objects.select_related("assignee").get(pk=chat.pk)
    return render(request, "web/_chat_flow.html",
                  {**flow_context(request, chat), "error": error}, status=status)


@member_required
@require_GET
def flow_header(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _header(request, chat_or_404(request, conversation_id))


@member_required
@require_POST
def change_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Aberta, Pendente, Resolvida; or Adiada by a quick choice or a typed time."""
    chat = chat_or_404(request, conversation_id)
    choice = request.POST.get("snooze", "")
    status = "snoozed" if choice in SNOOZE_CHOICES else request.POST.get("status", "")
    try:
        until = snooze_until(chat.org_id, choice, request.POST.get("until", "")) \
            if status == "snoozed" else None
        do_change_status(chat, status, request.user, until)
    except Refused as refused:
        return _header(request, chat, refused.detail, status=422)
    return _header(request, chat)


@member_required
@require_POST
def change_assignee(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """To a member (with a note for them), or to nobody."""
    chat = chat_or_404(request, conversation_id)
    try:
        user = check_assignee(chat.org_id, request.POST.get("assignee", ""))
    except Refused as refused:
        return _header(request, chat, refused.detail, status=422)
    do_assign_to(chat, user, request.user, request.POST.get("note", ""))
    if not can_see(request.member, chat):  # given away, and agents see only their own
        return HttpResponse(status=204, headers={"HX-Location": reverse("inbox")})
    return _header(request, chat)


@member_required
@require_GET
def timeline_event(request: HttpRequest, event_id: int) -> HttpResponse:
    event = (ConversationEvent.objects.for_org(request.member.org).filter(pk=event_id)
             .select_related("conversation").first())
    if event is None or not can_see(request.member, event.conversation):
        raise Http404
    return render(request, "web/_timeline_event.html", {"entry": event})
