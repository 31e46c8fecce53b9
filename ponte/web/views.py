"""The attendant's pages: inbox, chat, and the deep link into a chat."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ponte.accounts.models import Member
from ponte.conversations import queries
from ponte.conversations.actions import do_mark_read
from ponte.conversations.models import Contact, Conversation
from ponte.conversations.photos import photo_is_stale
from ponte.conversations.search import search_page
from ponte.desk.visibility import visibility_filter
from ponte.erp.chat import phones_named
from ponte.identity import canonicalize
from ponte.leads import queries as lead_queries
from ponte.privacy.services import is_hidden
from ponte.text import replace_unstorable
from ponte.web.chat_actions import chat_or_404
from ponte.web.context import instance_warnings
from ponte.web.desk_flow_views import flow_context
from ponte.web.erp_context import erp_context, with_erp_names
from ponte.web.excerpts import message_excerpt
from ponte.web.membership import member_required
from ponte.web.params import query_id

FOUND_SHOWN = 30  # messages found by the search box, below the chats it found


def inbox_filters(request: HttpRequest) -> dict:
    # PostgreSQL refuses a NUL in a query: "%00" in the search box must find nothing, not fail.
    return {"q": replace_unstorable(request.GET.get("q", "")[:100]),
            "unread": request.GET.get("unread") == "1",
            "mine": request.GET.get("mine") == "1", "band": request.GET.get("band", "")}


def inbox_context(request: HttpRequest, active_id: int | None = None) -> dict:
    member: Member = request.member
    filters = inbox_filters(request)
    chats = queries.inbox(member.org, search=filters["q"], unread=filters["unread"],
                          assignee=member.user if filters["mine"] else None,
                          band=filters["band"],
                          also_phones=phones_named(member.org.pk, filters["q"]),
                          visible=visibility_filter(member))
    found = search_page(member.org.pk, filters["q"], before=None, limit=FOUND_SHOWN,
                        visible=visibility_filter(member, "conversation__"))
    return {"org": member.org, "member": member,
            "conversations": with_erp_names(member.org.pk, chats),
            "found": [(m, message_excerpt(m, filters["q"])) for m in found[:FOUND_SHOWN]],
            "found_more": len(found) > FOUND_SHOWN,
            "filters": filters, "active_id": active_id,
            "instance_warnings": instance_warnings(member.org)}


@member_required
@require_GET
def instance_banner(request: HttpRequest) -> HttpResponse:
    return render(request, "web/_instance_banner.html", {
        "member": request.member, "instance_warnings": instance_warnings(request.member.org)})


@member_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "web/inbox.html", inbox_context(request))


@member_required
@require_GET
def inbox_list(request: HttpRequest) -> HttpResponse:
    context = inbox_context(request, query_id(request.GET.get("active")))
    return render(request, "web/_inbox_list.html", context)


def chat_context(request: HttpRequest, chat: Conversation | None, contact: Contact | None,
                 phone: str = "") -> dict:
    context = inbox_context(request, chat.pk if chat else None)
    context.update(lead_context(chat, contact))
    context.update(erp_context(request.member.org.pk, chat, contact, phone))
    context.update(conversation=chat, contact=contact,
                   phone=contact.e164 if contact and contact.e164 else phone,
                   prefill=request.GET.get("text", "")[:4096],
                   recall=query_id(request.GET.get("recall")),
                   photo_stale=bool(chat and contact and photo_is_stale(contact)))
    return context


def lead_context(chat: Conversation | None, contact: Contact | None) -> dict:
    """The panel's lead section: the score, how it moved, and the reply proposed now."""
    lead = getattr(contact, "lead", None) if contact else None
    return {"lead": lead_queries.with_previous_score(lead),
            "suggestion": lead_queries.suggestion_for(chat) if chat else None}


@member_required
@require_GET
def lead_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The lead section again, when a scoring or a new suggestion reaches the open chat."""
    chat = chat_or_404(request, conversation_id)
    return render(request, "web/_lead_panel.html",
                  {"conversation": chat, **lead_context(chat, chat.contact)})


@member_required
@require_GET
def chat(request: HttpRequest, conversation_id: int) -> HttpResponse:
    chat = chat_or_404(request, conversation_id)
    if chat.unread_count:
        do_mark_read(chat)
    context = chat_context(request, chat, chat.contact)
    context.update(flow_context(request, chat))  # the header's status and assignee controls
    context["focus"] = query_id(request.GET.get("m"))  # a message found by the search
    return render(request, "web/chat.html", context)


@member_required
@require_GET
def deep_link(request: HttpRequest) -> HttpResponse:
    """/chat/?phone=<any form>&text=<prefill>: the person's chat, or a virtual one until sent.

    A hidden number gets neither: a page says it is hidden and who can show it again.
    """
    raw = request.GET.get("phone", "")
    identity = canonicalize(raw)
    if identity.kind != "user":
        return render(request, "web/bad_phone.html", {
            "org": request.member.org, "member": request.member, "raw": raw}, status=400)
    org = request.member.org
    if is_hidden(org.pk, identity.e164):  # nothing to show, and the composer would refuse
        return render(request, "web/hidden_number.html", {
            "org": org, "member": request.member, "phone": identity.e164}, status=409)
    chat = queries.conversation_for_phone(org, identity.e164)
    if chat is not None:
        query = urlencode({name: request.GET[name] for name in ("text", "recall")
                           if request.GET.get(name)})
        url = reverse("chat", args=[chat.pk])
        return redirect(f"{url}?{query}" if query else url)
    contact = Contact.objects.for_org(org).filter(e164=identity.e164).first()
    return render(request, "web/chat.html", chat_context(request, None, contact, identity.e164))
