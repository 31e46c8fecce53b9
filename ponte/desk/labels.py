"""Labels on conversations: named per organization, created on first use."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.conversations.models import Conversation
from ponte.desk.models import NAME_LENGTH, ConversationEvent, ConversationLabel, Label
from ponte.errors import Refused


def check_label_names(names: list[str]) -> list[str]:
    """Names as they will be stored: trimmed, each once (case ignored), none blank or long."""
    kept: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            raise Refused("label_blank", _("Uma etiqueta precisa de um nome."))
        if len(name) > NAME_LENGTH:
            raise Refused("label_too_long", _(
                "O nome de uma etiqueta tem no máximo %(n)d caracteres.") % {"n": NAME_LENGTH})
        kept.setdefault(name.lower(), name)
    return list(kept.values())


def labels_named(org_id, names: list[str]) -> list[Label]:
    """The organization's labels by these names, each created on first use."""
    found = {label.name.lower(): label for label in Label.objects.filter(org_id=org_id)
             .annotate(lower=Lower("name")).filter(lower__in=[n.lower() for n in names])}
    for name in names:
        if name.lower() not in found:
            try:
                with transaction.atomic():
                    found[name.lower()] = Label.objects.create(org_id=org_id, name=name)
            except IntegrityError:  # made meanwhile by someone else
                found[name.lower()] = Label.objects.annotate(lower=Lower("name")).get(
                    org_id=org_id, lower=name.lower())
    return [found[name.lower()] for name in names]


def do_set_labels(chat: Conversation, names: list[str], actor=None, *,
                  actor_name: str | None = None) -> list[Label]:
    """Make the chat's labels exactly these (by name); records what changed, tells tabs.
    `actor_name` names an actor that is no user (an API key)."""
    wanted = labels_named(chat.org_id, check_label_names(names))
    with transaction.atomic():
        current = {link.label_id: link.label for link in
                   ConversationLabel.objects.filter(conversation=chat).select_related("label")}
        added = [label for label in wanted if label.pk not in current]
        removed = [label for pk, label in current.items() if pk not in {w.pk for w in wanted}]
        ConversationLabel.objects.filter(conversation=chat,
                                         label__in=[r.pk for r in removed]).delete()
        ConversationLabel.objects.bulk_create([
            ConversationLabel(label=label, conversation=chat, added_by=actor) for label in added])
        if added or removed:
            ConversationEvent.objects.create(
                org_id=chat.org_id, conversation=chat, kind=ConversationEvent.Kind.LABELLED,
                actor=actor, actor_name=name_of(actor) if actor_name is None else actor_name,
                data={"added": [a.name for a in added], "removed": [r.name for r in removed]})
            realtime.publish_on_commit(chat.org_id, "conversation.labels",
                                       {"conversation_id": chat.pk})
    return wanted


def name_of(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email or user.get_username()


def org_labels(org_id) -> list[Label]:
    return list(Label.objects.filter(org_id=org_id))


def labels_of(chat_ids: list[int]) -> dict[int, list[Label]]:
    """Each chat's labels by name, for a page of rows, in one query."""
    found: dict[int, list[Label]] = {}
    for link in (ConversationLabel.objects.filter(conversation_id__in=chat_ids)
                 .select_related("label").order_by(Lower("label__name"))):
        found.setdefault(link.conversation_id, []).append(link.label)
    return found


def _current_names(chat: Conversation) -> list[str]:
    return list(ConversationLabel.objects.filter(conversation=chat)
                .values_list("label__name", flat=True))


def do_add_label(chats: list[Conversation], name: str, actor=None) -> None:
    """Put one label (created on first use) on each of these chats; their others stay."""
    (name,) = check_label_names([name])
    for chat in chats:
        names = _current_names(chat)
        if name.lower() not in {n.lower() for n in names}:
            do_set_labels(chat, [*names, name], actor)


def do_remove_label(chats: list[Conversation], name: str, actor=None) -> None:
    """Take the label by this name (case ignored) off each of these chats."""
    (name,) = check_label_names([name])
    for chat in chats:
        names = _current_names(chat)
        kept = [n for n in names if n.lower() != name.lower()]
        if len(kept) != len(names):
            do_set_labels(chat, kept, actor)
