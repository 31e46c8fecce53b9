"""Finding a person by part of a name or phone goes through an index on both databases."""

import pytest
from django.db import connection

from ponte.conversations.models import Contact, Conversation
from ponte.conversations.queries import contact_matching
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant):
    tenant = make_tenant()
    add_chat(tenant, "+5531987654321", "Ana Souza")
    add_chat(tenant, "+5511912345678", "", name="Bruno \"Bola\" Lima")
    add_chat(tenant, "+5521991234567", "Carla")
    return tenant


def found(text: str) -> list[str]:
    chats = Conversation.objects.filter(contact_matching(text)).select_related("contact")
    return sorted(chat.contact.e164 for chat in chats)


@pytest.mark.parametrize(("typed", "e164s"), [
    ("ouz", ["+5531987654321"]), ("SOUZA", ["+5531987654321"]), ("ana", ["+5531987654321"]),
    ("bola", ["+5511912345678"]), ('"Bola"', ["+5511912345678"]), ("an", ["+5531987654321"]),
    ("98765", ["+5531987654321"]), ("1234", ["+5511912345678", "+5521991234567"]),
    ("xyz", []), ('"', ["+5511912345678"]), ("a*b", []), ("NEAR(", []),
])
def test_a_person_is_found_by_any_part_of_a_name_or_phone(shop, typed, e164s):
    assert found(typed) == e164s


def test_a_renamed_or_deleted_contact_is_found_only_as_it_is_now(shop):
    Contact.objects.filter(e164="+5521991234567").update(name="Carla Mendes")
    Contact.objects.filter(e164="+5531987654321").delete()

    assert found("mendes") == ["+5521991234567"]
    assert found("souza") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # raises if the index and the table disagree
            cursor.execute("INSERT INTO conversations_contact_search(conversations_contact_search)"
                           " VALUES ('integrity-check')")


def test_the_search_reads_an_index_not_every_contact(shop):
    query = Conversation.objects.filter(contact_matching("souza") | contact_matching("98765"))
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan, plan
        else:
            # A tiny table would be read whole: make every plan but the trigram ones cost more.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "conversations_contact_name_trgm" in plan, plan
            assert "Seq Scan on conversations_contact" not in plan, plan
