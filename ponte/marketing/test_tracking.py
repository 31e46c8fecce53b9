"""A reminder's record: opened, sent once, and covered by the LGPD export, erasure and hiding."""

from datetime import timedelta

import pytest

from ponte.erp.models import Customer
from ponte.erp.services import do_upsert_customers
from ponte.marketing.models import Recall
from ponte.marketing.opportunities import opportunities, shop_today
from ponte.marketing.tracking import do_mark_recall_sent, do_open_recall, results
from ponte.privacy.services import Actor, do_erase_person, do_export_person, do_hide_number
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db
PHONE = "+5531987654321"


@pytest.fixture
def tenant(make_tenant):
    tenant = make_tenant()
    do_upsert_customers(tenant.org.pk, [{
        "external_id": "C1", "name": "Maria Souza", "phones": ["(31) 98765-4321"],
        "cashback_balance": "45.90",
        "cashback_expires_on": str(shop_today() + timedelta(days=2))}])
    return tenant


def sent_recall(tenant) -> Recall:
    recall = do_open_recall(tenant.org.pk, opportunities(tenant.org.pk, "cashback")[0])
    chat = add_chat(tenant, PHONE, "Maria")
    assert do_mark_recall_sent(recall.pk, add_message(chat, recall.message, direction="out"))
    recall.refresh_from_db()
    return recall


def test_a_recall_is_marked_sent_once_by_its_first_message(tenant):
    recall = sent_recall(tenant)
    first = recall.sent_message
    again = add_message(recall.conversation, "mais uma coisa", direction="out")
    assert not do_mark_recall_sent(recall.pk, again)
    recall.refresh_from_db()
    assert recall.sent_message == first


def test_a_message_to_another_number_does_not_mark_it(tenant):
    recall = do_open_recall(tenant.org.pk, opportunities(tenant.org.pk, "cashback")[0])
    other = add_chat(tenant, "+5511912345678", "Outra")
    assert not do_mark_recall_sent(recall.pk, add_message(other, "oi", direction="out"))


def test_a_reply_before_the_reminder_is_not_a_reply_to_it(tenant):
    recall = sent_recall(tenant)
    add_message(recall.conversation, "oi de antes", minutes_ago=30)
    assert results(tenant.org.pk).replied == 0


def test_lgpd_export_lists_the_reminder_and_erasure_removes_it(tenant):
    sent_recall(tenant)
    actor = Actor(user=None, name="test")
    exported = do_export_person(tenant.org.pk, PHONE, actor)
    assert exported["recalls"][0]["message"].startswith("Oi, Maria!")
    do_erase_person(tenant.org.pk, PHONE, actor)
    assert not Recall.objects.exists()


def test_hiding_the_number_removes_the_reminder_but_keeps_the_customer(tenant):
    sent_recall(tenant)
    do_hide_number(tenant.org.pk, PHONE, Actor(user=None, name="test"))
    assert not Recall.objects.exists()
    assert Customer.objects.filter(external_id="C1").exists()
    assert opportunities(tenant.org.pk, "cashback") == []
