"""The inbox as queues: mine, unassigned, all, with counts; status, label and number filters;
pages that load as the list scrolls; labels put on many chats at once."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ponte.accounts.models import Instance, Member, Role
from ponte.conversations.models import Conversation
from ponte.desk.labels import do_set_labels
from ponte.desk.models import Label
from ponte.web.test_workspace import add_chat, add_message, shop  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(
        r'class="chat-row[^"]*" href="[^"]*" data-conversation-id="(\d+)"', html)]


def counts(html: str) -> dict[str, int]:
    return {name: int(n) for name, n in
            re.findall(r'data-count="(\w+)">(\d+)<', html)}


def listing(client, **params) -> str:
    response = client.get("/inbox/list/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def desk(shop):  # noqa: F811
    """Four chats: one mine, one a colleague's, two nobody's (one of them resolved)."""
    me = shop.org.members.get().user
    colleague = get_user_model().objects.create_user("bia@loja.test", password="s3nha-forte")
    Member.objects.create(org=shop.org, user=colleague, role=Role.AGENT)
    chats = {}
    for n, who in enumerate(("mine", "theirs", "nobody", "done")):
        chat = add_chat(shop, f"+553190000000{n}", push_name=who)
        add_message(chat, f"oi {who}", minutes_ago=10 - n)
        chats[who] = chat
    Conversation.objects.filter(pk=chats["mine"].pk).update(assignee=me)
    Conversation.objects.filter(pk=chats["theirs"].pk).update(assignee=colleague)
    Conversation.objects.filter(pk=chats["done"].pk).update(status="resolved")
    return shop, chats


def test_tabs_hold_mine_unassigned_and_all_open_chats_with_counts(desk, client):
    _, chats = desk
    page = listing(client)
    assert counts(page) == {"mine": 1, "unassigned": 1, "all": 3}
    assert rows(page) == [chats[w].pk for w in ("nobody", "theirs", "mine")]
    assert rows(listing(client, queue="mine")) == [chats["mine"].pk]
    assert rows(listing(client, queue="unassigned")) == [chats["nobody"].pk]
    assert rows(listing(client, mine="1")) == [chats["mine"].pk]  # the old checkbox's link


def test_counts_follow_the_other_filters(desk, client):
    _, chats = desk
    page = listing(client, status="resolved")
    assert counts(page) == {"mine": 0, "unassigned": 1, "all": 1}
    assert rows(page) == [chats["done"].pk]
    assert counts(listing(client, status="all", q="nobody")) == {
        "mine": 0, "unassigned": 1, "all": 1}
    assert counts(listing(client, status="all"))["all"] == 4


def test_status_choices_each_show_their_chats(desk, client):
    _, chats = desk
    Conversation.objects.filter(pk=chats["nobody"].pk).update(status="pending")
    Conversation.objects.filter(pk=chats["theirs"].pk).update(status="snoozed")
    assert rows(listing(client, status="pending")) == [chats["nobody"].pk]
    assert rows(listing(client, status="snoozed")) == [chats["theirs"].pk]
    assert rows(listing(client, status="open")) == [chats["mine"].pk]
    assert set(rows(listing(client))) == {chats["nobody"].pk, chats["mine"].pk}


def test_label_filter_and_chips_on_the_rows(desk, client):
    _, chats = desk
    do_set_labels(chats["mine"], ["Troca"])
    label = Label.objects.get(name="Troca")
    page = listing(client, label=label.pk)
    assert rows(page) == [chats["mine"].pk]
    assert re.search(r'class="label-chip"[^>]*>\s*<bdi[^>]*>Troca|class="label-chip"[^>]*>.*Troca',
                     page)
    inbox = client.get("/").content.decode()
    assert f'<option value="{label.pk}"' in inbox


def test_number_filter_only_when_the_shop_has_two_numbers(desk, client):
    tenant, chats = desk
    assert 'name="instance"' not in client.get("/").content.decode()
    second = Instance.objects.create(org=tenant.org, name="Loja 2", engine="wppconnect")
    other = add_chat(tenant, "+5531900000099", push_name="segundo")
    Conversation.objects.filter(pk=other.pk).update(instance=second)
    add_message(other, "oi")
    assert 'name="instance"' in client.get("/").content.decode()
    assert rows(listing(client, instance=str(second.pk))) == [other.pk]
    assert len(rows(listing(client, instance="não-é-um-id"))) == 4


def test_following_the_pages_reaches_every_chat_exactly_once(shop, client):  # noqa: F811
    now = timezone.now()
    chats = [add_chat(shop, f"+55319{n:08d}") for n in range(120)]
    for n, chat in enumerate(chats):  # some share a second, some never had a message
        if n % 10:
            Conversation.objects.filter(pk=chat.pk).update(
                last_message_at=now - timedelta(seconds=n // 3))
    seen, html = [], listing(client)
    while True:
        seen += rows(html)
        more = re.search(r'class="more-chats" hx-get="([^"]+)"', html)
        if not more:
            break
        html = client.get(more.group(1).replace("&amp;", "&")).content.decode()
        assert "queue-tabs" not in html  # a further page is rows only
    assert len(seen) == len(set(seen)) == 120
    assert sorted(seen) == sorted(chat.pk for chat in chats)


def test_bulk_label_added_then_removed_on_the_chosen_chats(desk, client):
    _, chats = desk
    chosen = [chats["mine"].pk, chats["nobody"].pk]
    do_set_labels(chats["mine"], ["VIP"])
    answer = client.post("/inbox/labels/", {"chat": chosen, "label": " troca ", "action": "add"})
    assert "2 conversas" in answer.content.decode()
    names = {pk: set(Conversation.objects.get(pk=pk).labels.values_list("name", flat=True))
             for pk in chosen}
    assert names == {chats["mine"].pk: {"VIP", "troca"}, chats["nobody"].pk: {"troca"}}
    client.post("/inbox/labels/", {"chat": chosen, "label": "TROCA", "action": "remove"})
    assert set(chats["mine"].labels.values_list("name", flat=True)) == {"VIP"}
    assert not chats["nobody"].labels.exists()


def test_bulk_label_refuses_blank_names_and_ignores_other_shops_chats(desk, client, make_tenant):
    _, chats = desk
    answer = client.post("/inbox/labels/", {"chat": [chats["mine"].pk], "label": "  "})
    assert 'class="error"' in answer.content.decode()
    other = make_tenant(name="Outra")
    theirs = add_chat(other, "+5531977777777")
    answer = client.post("/inbox/labels/", {"chat": [theirs.pk], "label": "X"})
    assert 'class="error"' in answer.content.decode()
    assert not Label.objects.filter(name="X").exists()


@pytest.mark.parametrize("after", ["x", "||", "2026-01-01T00:00:00|1", "nope|1|2",
                                   f"2026-01-01T00:00:00+00:00|{'9' * 40}|1",
                                   "2026-01-01T00:00:00|1|2"])
def test_a_garbled_load_more_link_shows_the_first_page(desk, client, after):
    _, chats = desk
    assert len(rows(listing(client, after=after))) == 3


def test_opening_a_chat_from_a_queue_keeps_the_queue_and_filters(desk, client):
    _, chats = desk
    page = listing(client, queue="mine", status="open", q="mine")
    link = re.search(rf'href="(/conversations/{chats["mine"].pk}/[^"]*)"', page).group(1)
    assert "queue=mine" in link and "status=open" in link and "q=" not in link
    opened = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'data-queue="mine" aria-pressed="true"' in opened
    assert rows(opened) == [chats["mine"].pk]


def test_a_chat_page_ignores_a_load_more_key(desk, client):
    _, chats = desk
    page = client.get(f"/conversations/{chats['mine'].pk}/", {"after": "|0|1"})
    assert page.status_code == 200
    assert 'data-count="all">3<' in page.content.decode()
