"""In the chat: its labels (chips, add, remove) and the quick replies offered after `/`."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ponte.conversations.models import Conversation
from ponte.desk.labels import do_set_labels
from ponte.desk.models import Label
from ponte.desk.quick_replies import filled_replies
from ponte.errors import Refused
from ponte.web.chat_actions import chat_or_404
from ponte.web.membership import member_required


def labels_context(chat: Conversation) -> dict:
    """The chat's labels and the shop's, for the chips and the add box's suggestions."""
    return {"chat_labels": list(chat.labels.order_by("name")),
            "org_labels": list(Label.objects.filter(org_id=chat.org_id))}


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def chat_labels(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET: the chips again (another tab changed them). POST `add` (a name, created on first
    use) or `remove` (an id): the chips after the change."""
    chat = chat_or_404(request, conversation_id)
    error, status = "", 200
    if request.method == "POST":
        removed = request.POST.get("remove", "")
        names = [label.name for label in chat.labels.all() if str(label.pk) != removed]
        if request.POST.get("add", "").strip():
            names.append(request.POST["add"])
        try:
            do_set_labels(chat, names, request.user)
        except Refused as exc:
            error, status = exc.detail, 422
    return render(request, "web/_label_chips.html",
                  {"conversation": chat, "label_error": error, **labels_context(chat)},
                  status=status)


@never_cache
@member_required
@require_GET
def quick_replies(request: HttpRequest, conversation_id: int) -> JsonResponse:
    """The replies matching `q` with this chat's facts filled in: the composer shows them and
    puts the chosen text in the box; nothing is sent from here."""
    chat = chat_or_404(request, conversation_id)
    found = filled_replies(chat, request.user, request.GET.get("q", "")[:100])
    return JsonResponse({"items": [{"id": f.reply.pk, "shortcut": f.reply.shortcut,
                                    "text": f.text} for f in found]})
