"""Internal notes: written in a chat for the team, never sent to the customer.

A note may mention members with `@`: their first name or their e-mail's local part.
Each member mentioned (the author aside) gets a notification.
"""

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.conversations.models import Conversation
from ponte.desk.labels import name_of
from ponte.desk.models import Note, Notification
from ponte.desk.notifications import do_notify
from ponte.errors import Refused
from ponte.text import replace_unstorable

MAX_NOTE = 4096
# After a start, a space or an opening bracket; letters (accented too), digits, `.`, `_`, `-`, `+`.
MENTION = re.compile(r"(?:^|(?<=[\s(\[{\"'“]))@([\w.+-]+)", re.UNICODE)


def check_note_text(text: str) -> str:
    """The note as it will be stored: not blank, within the limit."""
    text = replace_unstorable(str(text or "")).strip()
    if not text:
        raise Refused("empty_note", _("A nota está vazia: escreva algo antes de salvar."))
    if len(text) > MAX_NOTE:
        raise Refused("note_too_long", _(
            "Uma nota tem no máximo %(n)d caracteres; encurte o texto.") % {"n": MAX_NOTE},
            status=422)
    return text


def folded(word: str) -> str:
    """Capitals and accents ignored: `@joao` mentions João, `@BIA` Bia."""
    plain = unicodedata.normalize("NFKD", word)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def handles_of(user) -> set[str]:
    """What a member may be mentioned as: the first name, the e-mail before the `@`."""
    found = set()
    first = (user.first_name or "").split()
    if first:
        found.add(folded(first[0]))
    if user.email and "@" in user.email:
        found.add(folded(user.email.split("@", 1)[0]))
    return found


def org_members(org_id) -> list:
    """The organization's people, by name: who a note can mention."""
    return list(get_user_model().objects.filter(memberships__org_id=org_id)
                .order_by("first_name", "email"))


def mentioned_in(text: str, members: list) -> list:
    """The members `text` mentions, in the order of their first mention, each once."""
    wanted = [folded(word.rstrip(".-")) for word in MENTION.findall(text)]
    found: list = []
    for handle in wanted:
        for user in members:
            if handle in handles_of(user) and user not in found:
                found.append(user)
    return found


def do_add_note(chat: Conversation, author_user, text: str, *, author_name: str = "") -> Note:
    """Store the note, mark who it mentions, tell them; other tabs of the chat show it."""
    text = check_note_text(text)
    mentioned = mentioned_in(text, org_members(chat.org_id))
    name = author_name or name_of(author_user)
    with transaction.atomic():
        note = Note.objects.create(org_id=chat.org_id, conversation=chat, author=author_user,
                                   author_name=name, text=text)
        note.mentions.set(mentioned)
        for user in mentioned:
            if author_user is None or user.pk != author_user.pk:
                do_notify(chat.org_id, user, Notification.Kind.MENTION, conversation=chat,
                          note=note, actor_name=name)
        realtime.publish_on_commit(chat.org_id, "note.created",
                                   {"conversation_id": chat.pk, "note_id": note.pk})
    return note
