"""Message search: what a person types finds the words, with or without accents."""

import pytest
from django.db import connection

from ponte.conversations.models import Message
from ponte.conversations.search import found_messages, search_page, search_terms
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant):
    return make_tenant()


SAID = "Oi! O João disse que o envio é rápido e a entrega também, é verdade?"


def found(shop, query: str) -> list[str]:
    return [m.text or m.caption or m.transcript for m in found_messages(shop.org.pk, query)]


@pytest.mark.parametrize("typed", ["rapido", "RÁPIDO", "Rápido", "joao", "João", "entreg",
                                   "entrega rapido", "JOAO rápido"])
def test_a_word_is_found_with_or_without_its_accents_and_capitals(shop, typed):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, SAID)
    add_message(chat, "bom dia")

    assert found(shop, typed) == [SAID]


def test_every_word_typed_must_be_in_the_message(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "tem o tênis azul no 42?")
    add_message(chat, "o tênis preto chegou")

    assert found(shop, "tenis azul") == ["tem o tênis azul no 42?"]
    assert found(shop, "tenis") == ["o tênis preto chegou", "tem o tênis azul no 42?"]


def test_captions_and_transcripts_are_searched_too(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "", kind="image", caption="comprovante do Pix de ontem")
    voice = add_message(chat, "", kind="voice")
    assert found(shop, "vestido") == []

    Message.objects.filter(pk=voice.pk).update(transcript="quero o vestido vermelho")

    assert found(shop, "vestido vermelho") == ["quero o vestido vermelho"]
    assert found(shop, "comprovante pix") == ["comprovante do Pix de ontem"]


def test_a_message_edited_or_deleted_is_found_only_as_it_is_now(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    kept = add_message(chat, "vou buscar amanhã")
    gone = add_message(chat, "vou buscar hoje")

    Message.objects.filter(pk=kept.pk).update(text="vou buscar sexta")
    gone.delete()

    assert found(shop, "amanha") == []
    assert found(shop, "hoje") == []
    assert found(shop, "buscar") == ["vou buscar sexta"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # raises if the index and the table disagree
            cursor.execute("INSERT INTO conversations_message_search(conversations_message_search)"
                           " VALUES ('integrity-check')")


def test_a_message_deleted_for_everyone_is_not_found(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "meu cpf é 123", revoked=True)

    assert found(shop, "cpf") == []


def test_another_organizations_messages_are_never_found(shop, make_tenant):
    other = make_tenant()
    add_message(add_chat(other, "+5531987654321", "Ana"), "pedido 4455 confirmado")

    assert found(shop, "pedido") == []
    assert found(other, "pedido") == ["pedido 4455 confirmado"]


@pytest.mark.parametrize("typed", ['"', "tênis\" OR \"x", "NOT tenis", "tenis*", "a:b", "^tenis",
                                   "'); DROP TABLE conversations_message; --", "(tenis",
                                   "NEAR(a b)", "tenis & !azul", "tenis | x", "\\", "*", "-tenis",
                                   "🔥 tenis"])
def test_search_syntax_typed_by_a_person_is_read_as_plain_words(shop, typed):
    add_message(add_chat(shop, "+5531987654321", "Ana"), "o tênis chegou")

    result = found(shop, typed)

    assert result in ([], ["o tênis chegou"])
    assert Message.objects.count() == 1


@pytest.mark.parametrize("typed", ["", "   ", "?!", "a", "_"])
def test_a_query_without_a_word_finds_nothing(shop, typed):
    add_message(add_chat(shop, "+5531987654321", "Ana"), "a")

    assert search_terms(typed) == []
    assert found(shop, typed) == []


def test_results_page_backwards_by_message(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    sent = [add_message(chat, f"pedido número {n}") for n in range(5)]

    first = search_page(shop.org.pk, "pedido", before=None, limit=2)
    second = search_page(shop.org.pk, "pedido", before=first[1].pk, limit=2)

    assert [m.pk for m in first] == [sent[4].pk, sent[3].pk, sent[2].pk]
    assert [m.pk for m in second] == [sent[2].pk, sent[1].pk, sent[0].pk]
