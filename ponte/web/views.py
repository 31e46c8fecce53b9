from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ponte.conversations import queries
from ponte.web.membership import member_required


@member_required
def inbox(request: HttpRequest) -> HttpResponse:
    member = request.member
    return render(request, "web/inbox.html", {
        "org": member.org, "member": member,
        "conversations": queries.conversations_for(member.org, 100),
    })


@member_required
def chat(request: HttpRequest, conversation_id: int) -> HttpResponse:
    member = request.member
    conversation = queries.conversation_or_none(member.org, conversation_id)
    if conversation is None:
        raise Http404
    messages = list(reversed(queries.messages_page(conversation, before=None, limit=100)))
    return render(request, "web/chat.html", {
        "org": member.org, "member": member, "conversation": conversation,
        "messages": messages,
    })
