"""The search box: chats by name or phone, and below them the messages that say the words."""

import re

import pytest

from ponte.conversations.models import Message
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def test_the_search_box_lists_the_messages_that_say_the_words_marked(shop, client):
    ana = add_chat(shop, "+5531987654321", "Ana Souza")
    add_message(ana, "Vocês fazem entrega em Contagem?", minutes_ago=30)
    said = add_message(add_chat(shop, "+5511912345678", "Bruno"), "a entrega foi rápida",
                       minutes_ago=5)
    add_message(ana, "obrigada")

    page = client.get("/", {"q": "entrega"}).content.decode()

    found = page[page.index('id="found-heading"'):]
    assert found.index("Bruno") < found.index("Ana Souza"), "newest first"
    assert "a <mark>entrega</mark> foi rápida" in found
    assert f'href="/conversations/{said.conversation_id}/?m={said.pk}"' in found
    assert "obrigada" not in found
    assert "Nenhuma conversa com esses filtros" not in page


def test_a_found_voice_note_shows_its_transcript(shop, client):
    voice = add_message(add_chat(shop, "+5531987654321", "Ana"), "", kind="voice")
    Message.objects.filter(pk=voice.pk).update(transcript="quero o vestido vermelho")

    page = client.get("/inbox/list/", {"q": "Vestido"}).content.decode()

    assert "Áudio:" in page and "quero o <mark>vestido</mark> vermelho" in page


def test_hostile_text_in_a_found_message_is_shown_not_run(shop, client):
    add_message(add_chat(shop, "+5531987654321", "Ana"),
                'pedido <script>alert(1)</script><img src=x onerror=alert(2)> \u202eok')

    page = client.get("/", {"q": "pedido"}).content.decode()

    assert "<mark>pedido</mark> &lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in page
    assert "<script>alert" not in page and "\u202e" not in page


def test_a_search_with_nothing_found_says_so(shop, client):
    add_message(add_chat(shop, "+5531987654321", "Ana"), "bom dia")

    page = client.get("/", {"q": "boleto"}).content.decode()

    assert "Nenhuma conversa com esses filtros." in page and "found-heading" not in page


def test_opening_a_found_message_loads_the_chat_from_it_to_the_newest(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    for n in range(120):
        add_message(chat, f"mensagem {n:03d}", minutes_ago=(120 - n) * 10)
    target = Message.objects.get(text="mensagem 005")

    page = client.get(f"/conversations/{chat.pk}/", {"m": target.pk}).content.decode()
    url = re.search(r'id="history"[^>]*hx-get="([^"]+)"', page).group(1)
    history = client.get(url.replace("&amp;", "&")).content.decode()

    assert f'data-focus="{target.pk}"' in page
    assert "mensagem 004" not in history
    assert "mensagem 005" in history and "mensagem 119" in history
    assert 'class="older"' in history, "the older messages still load on scroll"


def test_a_message_of_another_chat_opens_the_chat_at_its_newest(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    for n in range(60):
        add_message(chat, f"mensagem {n:02d}", minutes_ago=60 - n)
    elsewhere = add_message(add_chat(shop, "+5511912345678", "Bruno"), "outra")

    history = client.get(f"/conversations/{chat.pk}/history/",
                         {"through": elsewhere.pk}).content.decode()

    assert "mensagem 59" in history and "mensagem 09" not in history and "outra" not in history
