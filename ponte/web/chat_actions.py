"""What an attendant does inside a chat: read its history, send, retry, take it."""

from contextlib import suppress

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from ponte.conversations import queries
from ponte.conversations.actions import do_mark_read
from ponte.conversations.attachments import Attachment
from ponte.conversations.models import Conversation, Message
from ponte.conversations.outbound import (
    MAX_TEXT,
    SendRejected,
    check_send_media,
    check_send_message,
    do_queue_media,
    do_queue_message,
    do_retry_message,
)
from ponte.conversations.photos import photo_is_stale, refresh_photo
from ponte.desk.assignment import do_take
from ponte.desk.timeline import entries_between
from ponte.desk.visibility import can_see, visibility_filter
from ponte.leads.suggestions import do_mark_suggestion_used
from ponte.marketing.tracking import do_mark_recall_sent
from ponte.web.erp_context import erp_context
from ponte.web.membership import member_required
from ponte.web.params import query_id

PAGE = 50


def chat_or_404(request: HttpRequest, conversation_id: int) -> Conversation:
    chat = queries.conversation_or_none(request.member.org, conversation_id)
    if chat is None or not can_see(request.member, chat):  # another's, when agents see theirs
        raise Http404
    return chat


def message_or_404(request: HttpRequest, message_id: int) -> Message:
    found = queries.message_or_none(request.member.org, message_id)
    rule = visibility_filter(request.member)  # None, without a query, for who sees all
    if found is None or (rule is not None and not Conversation.objects.filter(
            rule, pk=found.conversation_id).exists()):
        raise Http404
    return found


@member_required
@require_GET
def history(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A page of the chat, oldest first: the newest page, `before` an id, all `after` one,
    or all from the message `through` to the newest (a search result opened).

    Revalidated on every visit (no-cache) so the ETag turns a reopened chat into a 304.
    """
    chat = chat_or_404(request, conversation_id)
    after = query_id(request.GET.get("after"))
    through = query_id(request.GET.get("through"))
    before = query_id(request.GET.get("before"))
    has_older, end = False, None
    shown_through = queries.messages_through(chat, through) if through is not None else None
    if after is not None:
        messages = queries.messages_after(chat, after)
        has_older = True  # live additions: entries from the first new message on
    elif shown_through:
        messages, has_older = shown_through
    else:
        page = queries.messages_page(chat, before=before, limit=PAGE)
        has_older = len(page) > PAGE
        messages = list(reversed(page[:PAGE]))
        key = queries.message_key(chat, before) if before is not None else None
        end = key[0] if key else None
    prefetch_related_objects(messages, "file")  # each media message shows its stored file
    start = messages[0].engine_timestamp if messages and has_older else None
    response = render(request, "web/_history.html", {
        "conversation": chat, "messages": messages,
        "has_older": has_older and after is None,
        "items": _with_entries(chat, messages, start=start, end=end,
                               everything=not has_older and before is None)})
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _with_entries(chat: Conversation, messages: list, *, start, end, everything: bool) -> list:
    """The page's messages and the timeline entries made from `start` to `end` (None: no
    bound), in time order; `everything`: the page is the whole chat, entries with it."""
    if not messages and not everything:
        return []
    items = [(m.engine_timestamp, 0, m.pk, m) for m in messages]
    items += [(e.timeline_at, 1, e.pk, e) for e in entries_between(chat, start, end)]
    return [item for *_, item in sorted(items, key=lambda row: row[:3])]


@member_required
@require_GET
def photo(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The contact's WhatsApp picture, asked of the engine when the stored one is old."""
    chat = chat_or_404(request, conversation_id)
    contact = chat.contact
    before = contact.photo_url
    if photo_is_stale(contact):
        refresh_photo(contact, chat.instance)
    # Initials and picture from the ERP stay when WhatsApp has neither name nor picture.
    erp = erp_context(request.member.org.pk, chat, contact)
    response = render(request, "web/_photo.html", {
        "contact": contact, "erp_name": erp["erp_name"], "erp_photo": erp["erp_photo"]})
    if contact.photo_url != before:
        response["HX-Trigger"] = "ponte:photo-changed"  # the inbox row shows it too
    return response


@member_required
@require_GET
def message(request: HttpRequest, message_id: int) -> HttpResponse:
    return render(request, "web/_message.html", {"m": message_or_404(request, message_id)})


# The API's refusals are in English for integrators; the composer says them in the UI language.
COMPOSER_REFUSALS = {
    "empty_text": _("A mensagem está vazia."),
    "text_too_long": _("O WhatsApp aceita no máximo %(limit)s caracteres."),
    "invalid_text": _("A mensagem tem caracteres inválidos que não podem ser enviados."),
    "not_found": _("Esta conversa não existe mais."),
    "invalid_phone": _("Este não é um número de telefone para onde se possa enviar."),
    "no_instance": _("Esta organização ainda não tem um número de WhatsApp."),
    "not_retryable": _("Só uma mensagem que não saiu pode ser enviada de novo."),
    "hidden_number": _("Este número está oculto do CRM: o Ponte não guarda nem envia mensagens "
                       "para ele. Para escrever, volte a mostrá-lo em Configurações › "
                       "Privacidade."),
}


def _rejected(request: HttpRequest, exc: SendRejected) -> HttpResponse:
    known = COMPOSER_REFUSALS.get(exc.code)
    detail = str(known) % {"limit": MAX_TEXT} if known else exc.detail
    status = 413 if exc.status == 413 else 422
    return render(request, "web/_composer_error.html", {"detail": detail}, status=status)


@member_required
@require_POST
def send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Queue the attendant's text; the answer is the message, shown at once as pending.

    A text begun from the panel's suggestion carries its id, and the suggestion is marked used.
    """
    try:
        chat = check_send_message(request.member.org, text=request.POST.get("text", ""),
                                  conversation_id=conversation_id)
    except SendRejected as exc:
        return _rejected(request, exc)
    queued = do_queue_message(chat, request.POST["text"], user=request.user)
    do_mark_suggestion_used(chat, query_id(request.POST.get("suggestion")), queued)
    do_mark_recall_sent(query_id(request.POST.get("recall")), queued)
    if not request.htmx:
        return redirect("chat", chat.pk)
    return render(request, "web/_message.html", {"m": queued}, status=201)


@member_required
@require_POST
def send_to_phone(request: HttpRequest) -> HttpResponse:
    """The first message of a virtual conversation: only now do contact and chat get stored."""
    try:
        chat = check_send_message(request.member.org, text=request.POST.get("text", ""),
                                  to=request.POST.get("phone", ""))
    except SendRejected as exc:
        return _rejected(request, exc)
    queued = do_queue_message(chat, request.POST["text"], user=request.user)
    do_mark_recall_sent(query_id(request.POST.get("recall")), queued)
    url = reverse("chat", args=[chat.pk])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Location": url})
    return redirect(url)


@member_required
@require_POST
def send_file(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Queue the file the attendant attached, pasted, dropped or recorded, with its caption;
    the answer is the message, shown at once as pending, like a text's."""
    return _send_file(request, conversation_id=conversation_id)


@member_required
@require_POST
def send_file_to_phone(request: HttpRequest) -> HttpResponse:
    """A file as the first message of a virtual conversation."""
    return _send_file(request, to=request.POST.get("phone", ""))


def _send_file(request: HttpRequest, **recipient) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _rejected(request, SendRejected("missing_file", _("Nenhum arquivo foi enviado.")))
    caption = request.POST.get("caption", "")
    attachment = Attachment(data=upload.read(), filename=upload.name or "",
                            mimetype=upload.content_type or "",
                            voice=request.POST.get("voice") == "1")
    try:
        chat, media = check_send_media(request.member.org, attachment, caption=caption,
                                       **recipient)
        queued = do_queue_media(chat, media, caption=caption, user=request.user)
    except SendRejected as exc:
        return _rejected(request, exc)
    if "to" in recipient:
        return HttpResponse(status=204, headers={"HX-Location": reverse("chat", args=[chat.pk])})
    return render(request, "web/_message.html", {"m": queued}, status=201)


@member_required
@require_POST
def retry(request: HttpRequest, message_id: int) -> HttpResponse:
    found = message_or_404(request, message_id)
    with suppress(SendRejected):  # already retried from another tab: show what it is now
        found = do_retry_message(found)
    return render(request, "web/_message.html", {"m": found})


@member_required
@require_POST
def mark_read(request: HttpRequest, conversation_id: int) -> HttpResponse:
    do_mark_read(chat_or_404(request, conversation_id))
    return HttpResponse(status=204)


@member_required
@require_POST
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    chat = chat_or_404(request, conversation_id)
    do_take(chat, request.user)
    return render(request, "web/_assign.html", {"conversation": chat, "user": request.user})

