from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ponte.accounts.models import Member
from ponte.conversations import queries


def _membership(request: HttpRequest) -> Member:
    member = Member.objects.filter(user=request.user).select_related("org").first()
    if member is None:
        raise Http404("No organization for this user.")
    return member


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    member = _membership(request)
    return render(request, "web/inbox.html", {
        "org": member.org, "conversations": queries.conversations_for(member.org, 100),
    })


@login_required
def chat(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member = _membership(request)
    conversation = queries.conversation_or_none(member.org, conversation_id)
    if conversation is None:
        raise Http404
    messages = list(reversed(queries.messages_page(conversation, before=None, limit=100)))
    return render(request, "web/chat.html", {
        "org": member.org, "conversation": conversation, "messages": messages,
    })
