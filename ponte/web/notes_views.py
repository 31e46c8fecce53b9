"""Internal notes in a chat: written from the note box, drawn in every open tab."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ponte.desk.models import Note
from ponte.desk.notes import do_add_note, handles_of, org_members
from ponte.errors import Refused
from ponte.web.chat_actions import chat_or_404
from ponte.web.membership import member_required


def _drawn(request: HttpRequest, note: Note, status: int = 200) -> HttpResponse:
    return render(request, "web/_timeline_note.html", {"entry": note}, status=status)


@member_required
@require_POST
def add_note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Store the attendant's note; the answer is the note as the history draws it."""
    chat = chat_or_404(request, conversation_id)
    try:
        note = do_add_note(chat, request.user, request.POST.get("text", ""))
    except Refused as exc:
        return render(request, "web/_composer_error.html", {"detail": exc.detail}, status=422)
    if not request.htmx:
        return redirect("chat", chat.pk)
    return _drawn(request, note, status=201)


@member_required
@require_GET
def note(request: HttpRequest, note_id: int) -> HttpResponse:
    """One note, for the tabs told it was written."""
    found = (Note.objects.for_org(request.member.org).filter(pk=note_id)
             .select_related("author").first())
    if found is None:
        raise Http404
    return _drawn(request, found)


@member_required
@require_GET
def mention_candidates(request: HttpRequest) -> JsonResponse:
    """The organization's members as the note box offers them after `@`."""
    people = []
    for user in org_members(request.member.org_id):
        handles = sorted(handles_of(user), key=len)
        first = (user.first_name or "").split()
        handle = first[0] if first else (user.email.split("@", 1)[0] if user.email else "")
        if handle:
            people.append({"handle": handle, "name": user.get_full_name() or user.email,
                           "also": handles})
    return JsonResponse({"members": people})
