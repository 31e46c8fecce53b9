"""One label put on, or taken off, many chats at once: each chat's other labels stay."""

import pytest

from ponte.conversations.models import Contact, Conversation
from ponte.desk.labels import do_add_label, do_remove_label, do_set_labels
from ponte.desk.models import ConversationEvent, Label
from ponte.errors import Refused

pytestmark = pytest.mark.django_db


def chats(tenant, n: int) -> list[Conversation]:
    return [Conversation.objects.create(
        org=tenant.org, instance=tenant.instance,
        contact=Contact.objects.create(org=tenant.org, e164=f"+553190000{i:04d}"))
        for i in range(n)]


def names(chat: Conversation) -> set[str]:
    return set(chat.labels.values_list("name", flat=True))


def test_adding_keeps_other_labels_and_changes_only_chats_without_it(make_tenant):
    tenant = make_tenant()
    first, second, third = chats(tenant, 3)
    do_set_labels(first, ["VIP"])
    do_set_labels(second, ["troca"])
    do_add_label([first, second, third], "Troca")
    assert names(first) == {"VIP", "troca"} and names(second) == {"troca"}
    assert names(third) == {"troca"}  # the label existed: its name kept as first written
    assert Label.objects.filter(org=tenant.org).count() == 2
    events = ConversationEvent.objects.filter(kind=ConversationEvent.Kind.LABELLED)
    assert events.filter(conversation=second).count() == 1  # nothing changed, no event


def test_removing_takes_only_that_label_ignoring_capitals(make_tenant):
    tenant = make_tenant()
    first, second = chats(tenant, 2)
    do_set_labels(first, ["VIP", "Troca"])
    do_remove_label([first, second], "TROCA")
    assert names(first) == {"VIP"} and names(second) == set()


def test_a_blank_name_is_refused(make_tenant):
    tenant = make_tenant()
    with pytest.raises(Refused):
        do_add_label(chats(tenant, 1), "   ")
