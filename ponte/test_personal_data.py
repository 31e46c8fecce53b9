"""No model can hold something about a person without saying how it is found and erased."""

import pytest
from django.apps import apps
from django.db import models

from ponte.conversations.models import Contact
from ponte.personal_data import Person, exemptions, holders

PERSON_FIELDS = ("phone", "e164", "wa_id", "msisdn", "jid")


def _leads_to_contact(model: type[models.Model], depth: int = 3) -> bool:
    if model is Contact:
        return True
    if depth == 0:
        return False
    return any(_leads_to_contact(field.related_model, depth - 1)
               for field in model._meta.get_fields()
               if field.is_relation and field.concrete and field.related_model is not None
               and field.related_model is not model)


def _names_a_person(model: type[models.Model]) -> bool:
    return any(part in field.name for field in model._meta.concrete_fields
               for part in PERSON_FIELDS)


def test_every_model_with_a_path_to_a_contact_or_a_phone_field_is_registered():
    registered = {holder.model for holder in holders()} | set(exemptions())
    forgotten = [model._meta.label for model in apps.get_models()
                 if model.__module__.startswith("ponte.")
                 and (_leads_to_contact(model) or _names_a_person(model))
                 and model not in registered]
    assert forgotten == [], (
        f"{forgotten} hold data about a person: register them with "
        "ponte.personal_data.holds_personal_data (or not_personal, saying why)")


def test_the_walk_catches_a_model_that_points_at_a_contact():
    class Note(models.Model):
        contact = models.ForeignKey(Contact, on_delete=models.CASCADE)

        class Meta:
            app_label = "conversations"

    try:
        assert _leads_to_contact(Note)
        assert Note not in {holder.model for holder in holders()}
    finally:
        apps.all_models["conversations"].pop("note", None)
        apps.clear_cache()


@pytest.mark.django_db
def test_every_registered_finder_runs_for_a_person_with_no_data():
    nobody = Person(org_id=0, e164="+5531987654321", contact_ids=frozenset(),
                    handles=frozenset({"5531987654321"}))
    for holder in holders():
        assert list(holder.rows(nobody)) == []
