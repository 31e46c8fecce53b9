"""The attendant's pages: inbox, chat, and the deep link into a chat."""

import uuid
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ponte.accounts.models import Instance, Member
from ponte.conversations import queries
from ponte.conversations.actions import do_mark_read
from ponte.conversations.models import Contact, Conversation
from ponte.conversations.photos import photo_is_stale
from ponte.conversations.search import search_page
from ponte.desk.labels import labels_of, org_labels
from ponte.desk.visibility import visibility_filter, visible_conversations
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


FILTER_NAMES = ("q", "unread", "mine", "queue", "band", "status", "label", "instance")
INBOX_PAGE = 50  # chats per page of the inbox; the next loads as the list scrolls


def inbox_filters(request: HttpRequest) -> dict:
    # PostgreSQL refuses a NUL in a query: "%00" in the search box must find nothing, not fail.
    get = request.GET
    queue = get.get("queue", "")
    if queue not in queries.QUEUES:
        queue = "mine" if get.get("mine") == "1" else "all"  # the old "Minhas" checkbox
    status = get.get("status", "")
    return {"q": replace_unstorable(get.get("q", "")[:100]), "unread": get.get("unread") == "1",
            "queue": queue, "mine": queue == "mine", "band": get.get("band", ""),
            "status": status if status in queries.STATUSES else "active",
            "label": query_id(get.get("label")), "instance": _instance_id(get.get("instance"))}


def _instance_id(raw: str | None) -> str | None:
    try:
        return str(uuid.UUID(raw)) if raw else None
    except ValueError:
        return None


def inbox_context(request: HttpRequest, active_id: int | None = None,
                  further: bool = False) -> dict:
    """The inbox pane's context; `further`: a "load more" request, whose `after` is read."""
    member: Member = request.member
    filters = inbox_filters(request)
    filtered = queries.inbox_chats(
        member.org, search=filters["q"], unread=filters["unread"], band=filters["band"],
        status=filters["status"], label=filters["label"], instance=filters["instance"],
        also_phones=phones_named(member.org.pk, filters["q"]))
    filtered = visible_conversations(member, filtered)
    after = inbox_after(request.GET.get("after")) if further else None
    chats = queries.inbox_page(queries.in_queue(filtered, filters["queue"], member.user),
                               after=after, limit=INBOX_PAGE)
    shown = with_erp_names(member.org.pk, chats[:INBOX_PAGE])
    labels = labels_of([chat.pk for chat in shown])
    for chat in shown:
        chat.row_labels = labels.get(chat.pk, [])
    context = {"org": member.org, "member": member, "filters": filters, "active_id": active_id,
               "conversations": shown, "more_page": after is not None,
               "next_after": (inbox_cursor(chats[INBOX_PAGE - 1])
                              if len(chats) > INBOX_PAGE else ""),
               "more_query": urlencode({k: v for k, v in request.GET.items()
                                        if k in FILTER_NAMES}),
               # Opening a chat keeps the queue and the filters (not the search: a chat
               # found is where the search ends).
               "row_query": urlencode({k: v for k, v in request.GET.items()
                                       if k in FILTER_NAMES and k != "q" and v})}
    if after is not None:  # a further page: rows only
        return context
    found = search_page(member.org.pk, filters["q"], before=None, limit=FOUND_SHOWN,
                        visible=visibility_filter(member, "conversation__"))
    instances = list(Instance.objects.filter(org=member.org).order_by("name", "created_at")
                     .values_list("pk", "name"))
    context.update(
        found=[(m, message_excerpt(m, filters["q"])) for m in found[:FOUND_SHOWN]],
        found_more=len(found) > FOUND_SHOWN,
        counts=queries.queue_counts(filtered, member.user),
        labels=org_labels(member.org.pk),
        instances=[(str(pk), name) for pk, name in instances] if len(instances) > 1 else [],
        instance_warnings=instance_warnings(member.org))
    return context


def inbox_cursor(chat: Conversation) -> str:
    at, last_id, pk = queries.inbox_key(chat)
    return f"{at.isoformat() if at else ''}|{last_id}|{pk}"


def inbox_after(raw: str | None) -> queries.InboxKey | None:
    """The key a "load more" link carries; None (the first page) when it cannot be read."""
    try:
        at, last_id, pk = (raw or "").split("|")
        moment = datetime.fromisoformat(at) if at else None
    except ValueError:
        return None
    last_id, pk = query_id(last_id), query_id(pk)
    if last_id is None or pk is None or (moment and moment.tzinfo is None):
        return None
    return moment, last_id, pk


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
    context = inbox_context(request, query_id(request.GET.get("active")), further=True)
    if context["more_page"]:
        return render(request, "web/_inbox_rows.html", context)
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
