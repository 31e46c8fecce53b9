"""The shop's labels: one name per shop whatever its capitals, a readable colour, and a
deleted label gone from every chat."""

import pytest

from ponte.desk.label_library import (
    PALETTE,
    LabelRefused,
    LabelTaken,
    do_create_label,
    do_delete_label,
    do_update_label,
    ink,
    labels_with_counts,
)
from ponte.desk.labels import do_set_labels
from ponte.desk.models import ConversationLabel, Label
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db


def test_a_label_name_is_unique_per_shop_whatever_its_capitals(make_tenant):
    shop, other = make_tenant(), make_tenant()
    troca = do_create_label(shop.org.pk, "Troca", "#1D4ED8")
    assert troca.colour == "#1d4ed8"
    with pytest.raises(LabelTaken) as taken:
        do_create_label(shop.org.pk, "  tROCA ")
    assert taken.value.status == 409
    do_create_label(other.org.pk, "troca")
    atacado = do_create_label(shop.org.pk, "Atacado")
    with pytest.raises(LabelTaken):
        do_update_label(atacado, name="troca")
    assert do_update_label(troca, name="TROCA").name == "TROCA"  # its own capitals may change


@pytest.mark.parametrize(("name", "colour", "code"), [
    ("", None, "label_blank"), ("x" * 61, None, "label_too_long"),
    ("ok", "red", "label_colour"), ("ok", "#12345", "label_colour")])
def test_blank_long_or_badly_coloured_labels_are_refused(make_tenant, name, colour, code):
    with pytest.raises(LabelRefused) as refused:
        do_create_label(make_tenant().org.pk, name, colour)
    assert refused.value.code == code and refused.value.status == 422


def test_deleting_a_label_takes_it_off_every_chat_and_says_how_many(make_tenant):
    shop = make_tenant()
    one, two = add_chat(shop, "+5531987654321"), add_chat(shop, "+5531987654322")
    do_set_labels(one, ["Troca", "VIP"])
    do_set_labels(two, ["troca"])
    troca = Label.objects.get(name="Troca")
    assert {label.name: label.chats for label in labels_with_counts(shop.org.pk)} == {
        "Troca": 2, "VIP": 1}
    assert do_delete_label(troca) == 2
    assert list(ConversationLabel.objects.values_list("label__name", flat=True)) == ["VIP"]
    assert [label.name for label in one.labels.all()] == ["VIP"]


def test_chip_text_is_white_on_dark_colours_and_dark_on_light_ones():
    assert ink("#ffffff") == "#111111" and ink("#fde047") == "#111111"
    assert ink("#1d4ed8") == "#ffffff" and ink("not a colour") == "#ffffff"
    assert all(ink(colour) == "#ffffff" for colour, _ in PALETTE)
