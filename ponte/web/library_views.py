"""Settings › Etiquetas and Settings › Respostas rápidas: the shop's labels and saved answers.

Labels are the shop's vocabulary for sorting chats, so owners and admins keep the list
(attendants still add existing ones, or new ones, in the chat). Quick replies are the
attendants' own tool: in a small shop they are the ones who know which answers they repeat,
so every member creates, edits and deletes them.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ponte.desk.label_library import (
    PALETTE,
    do_create_label,
    do_delete_label,
    do_update_label,
    labels_with_counts,
)
from ponte.desk.models import DEFAULT_COLOUR, NAME_LENGTH, Label, QuickReply
from ponte.desk.quick_replies import (
    PLACEHOLDERS,
    SHORTCUT_LENGTH,
    TEXT_LENGTH,
    do_create_quick_reply,
    do_delete_quick_reply,
    do_update_quick_reply,
)
from ponte.errors import Refused
from ponte.web.membership import member_required


def _labels_page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    member = request.member
    return render(request, "web/settings_labels.html", {
        "org": member.org, "member": member, "palette": PALETTE,
        "default_colour": DEFAULT_COLOUR, "name_length": NAME_LENGTH,
        "labels": labels_with_counts(member.org_id), **extra}, status=status)


def _label_or_404(request: HttpRequest, label_id: int) -> Label:
    return get_object_or_404(Label.objects.filter(org_id=request.member.org_id), pk=label_id)


@never_cache
@member_required(manage=True)
@require_GET
def labels(request: HttpRequest) -> HttpResponse:
    return _labels_page(request)


@member_required(manage=True)
@require_POST
def create_label(request: HttpRequest) -> HttpResponse:
    name, colour = request.POST.get("name", ""), request.POST.get("colour", "")
    try:
        label = do_create_label(request.member.org_id, name, colour or None)
    except Refused as exc:
        return _labels_page(request, status=exc.status, new_error=exc.detail, new_name=name,
                            new_colour=colour)
    messages.success(request, _("Etiqueta “%(name)s” criada.") % {"name": label.name})
    return redirect("settings_labels")


@member_required(manage=True)
@require_POST
def update_label(request: HttpRequest, label_id: int) -> HttpResponse:
    label = _label_or_404(request, label_id)
    try:
        do_update_label(label, request.POST.get("name", ""), request.POST.get("colour", ""))
    except Refused as exc:
        return _labels_page(request, status=exc.status, row_error=exc.detail, row_id=label.pk)
    messages.success(request, _("Etiqueta “%(name)s” salva.") % {"name": label.name})
    return redirect("settings_labels")


@never_cache
@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def delete_label(request: HttpRequest, label_id: int) -> HttpResponse:
    """GET says how many chats carry the label before anything happens; POST deletes."""
    label = _label_or_404(request, label_id)
    if request.method == "GET":
        return _labels_page(request, confirm_delete=label,
                            confirm_chats=label.conversationlabel_set.count())
    name = label.name
    carried = do_delete_label(label)
    messages.success(request, ngettext(
        "Etiqueta “%(name)s” excluída; ela saiu de %(n)d conversa.",
        "Etiqueta “%(name)s” excluída; ela saiu de %(n)d conversas.", carried)
        % {"name": name, "n": carried})
    return redirect("settings_labels")


def _replies_page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    member = request.member
    replies = QuickReply.objects.filter(org_id=member.org_id).order_by("shortcut")
    return render(request, "web/settings_quick_replies.html", {
        "org": member.org, "member": member, "replies": replies,
        "placeholders": [f"{{{name}}}" for name in PLACEHOLDERS],
        "shortcut_length": SHORTCUT_LENGTH, "text_length": TEXT_LENGTH, **extra},
        status=status)


def _reply_or_404(request: HttpRequest, reply_id: int) -> QuickReply:
    return get_object_or_404(QuickReply.objects.filter(org_id=request.member.org_id),
                             pk=reply_id)


@never_cache
@member_required
@require_GET
def quick_replies(request: HttpRequest) -> HttpResponse:
    return _replies_page(request)


@member_required
@require_POST
def create_quick_reply(request: HttpRequest) -> HttpResponse:
    shortcut, text = request.POST.get("shortcut", ""), request.POST.get("text", "")
    try:
        reply = do_create_quick_reply(request.member.org_id, shortcut, text, request.user)
    except Refused as exc:
        return _replies_page(request, status=exc.status, new_error=exc.detail,
                             new_shortcut=shortcut, new_text=text)
    messages.success(request, _("Resposta /%(shortcut)s criada.") % {"shortcut": reply.shortcut})
    return redirect("settings_quick_replies")


@member_required
@require_POST
def update_quick_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _reply_or_404(request, reply_id)
    try:
        do_update_quick_reply(reply, request.POST.get("shortcut", ""),
                              request.POST.get("text", ""))
    except Refused as exc:
        return _replies_page(request, status=exc.status, row_error=exc.detail, row_id=reply.pk)
    messages.success(request, _("Resposta /%(shortcut)s salva.") % {"shortcut": reply.shortcut})
    return redirect("settings_quick_replies")


@member_required
@require_POST
def delete_quick_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _reply_or_404(request, reply_id)
    shortcut = reply.shortcut
    do_delete_quick_reply(reply)
    messages.success(request, _("Resposta /%(shortcut)s excluída.") % {"shortcut": shortcut})
    return redirect("settings_quick_replies")
