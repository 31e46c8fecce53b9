"""The bell, the tab title's count, new-message alerts and each member's own preferences.

Every answer is about the signed-in member only: the realtime event says whose list
changed, and their tabs ask for it here.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ponte.desk.models import Notification
from ponte.desk.notifications import (
    alerts_for,
    do_mark_all_read,
    do_open,
    latest_for,
    notification_text,
    unread_count,
    unread_messages,
)
from ponte.web.membership import member_required


@member_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown: the member's newest notifications."""
    org_id = request.member.org_id
    shown = latest_for(org_id, request.user)
    for notification in shown:
        notification.sentence = notification_text(notification)
    return render(request, "web/_notifications.html", {
        "notifications": shown, "unread": unread_count(org_id, request.user)})


@member_required
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to its chat; it is read from then on."""
    found = Notification.objects.filter(pk=notification_id, org_id=request.member.org_id,
                                        user=request.user).first()
    if found is None:
        raise Http404
    do_open(found)
    if found.conversation_id is None:
        return redirect("inbox")
    url = reverse("chat", args=[found.conversation_id])
    return redirect(f"{url}#note-{found.note_id}" if found.note_id else url)


@member_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    do_mark_all_read(request.member.org_id, request.user)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("inbox")


@member_required
@require_GET
def counts(request: HttpRequest) -> JsonResponse:
    """For the bell and the tab title: unread notifications, and unread customer messages
    in the member's chats and the unassigned ones."""
    org_id = request.member.org_id
    return JsonResponse({"notifications": unread_count(org_id, request.user),
                         "messages": unread_messages(org_id, request.user)})


@member_required
@require_GET
def alerts(request: HttpRequest) -> JsonResponse:
    """Which of the new messages (`m=1,2`) should announce themselves to this member, with
    what the browser notification says; empty when the member turned both alerts off."""
    member = request.member
    if not (member.notify_browser or member.notify_sound):
        return JsonResponse({"alerts": []})
    ids = [int(part) for part in request.GET.get("m", "").split(",")[:50] if part.isdigit()]
    found = alerts_for(member.org_id, request.user, ids)
    return JsonResponse({"alerts": [{
        "conversation_id": m.conversation_id, "message_id": m.pk,
        "title": m.conversation.contact.display_name,
        "body": (m.text or m.caption or _("Nova mensagem"))[:140],
        "url": reverse("chat", args=[m.conversation_id]),
    } for m in found]})


@member_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The member's own settings: how a new customer message announces itself to them."""
    member = request.member
    if request.method == "POST":
        member.notify_browser = request.POST.get("notify_browser") == "on"
        member.notify_sound = request.POST.get("notify_sound") == "on"
        member.save(update_fields=["notify_browser", "notify_sound"])
        messages.success(request, _("Preferências salvas."))
        return redirect("preferences")
    return render(request, "web/preferences.html", {"org": member.org, "member": member})
