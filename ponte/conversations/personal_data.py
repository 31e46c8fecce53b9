"""What conversations hold about a person, for the privacy registry (`ponte.personal_data`)."""

from django.db.models import QuerySet

from ponte.conversations.models import (
    Contact,
    ContactHandle,
    Conversation,
    EarlyUpdate,
    MediaDownload,
    Message,
)
from ponte.media.models import MediaFile
from ponte.personal_data import Person, holds_personal_data

MESSAGE_FIELDS = ("id", "conversation_id", "direction", "kind", "text", "caption", "media",
                  "file_id", "transcript", "status", "revoked", "sender_name",
                  "engine_timestamp", "created_at")


def _values(*fields: str):
    return lambda rows: list(rows.values(*fields))


def _their_messages(person: Person) -> QuerySet:
    return Message.objects.filter(org_id=person.org_id,
                                  conversation__contact__in=person.contact_ids)


def _their_files(person: Person) -> QuerySet:
    """Files of the person's messages that no one else's message uses: the same photo
    sent by another customer stays for them."""
    others = (Message.objects.filter(org_id=person.org_id, file__isnull=False)
              .exclude(conversation__contact__in=person.contact_ids))
    return (MediaFile.objects.filter(org_id=person.org_id,
                                     pk__in=_their_messages(person).values("file_id"))
            .exclude(pk__in=others.values("file_id")))


def _stored_names(files: QuerySet) -> list[str]:
    return [name for pair in files.values_list("name", "thumbnail") for name in pair if name]


def register() -> None:
    # Before the messages: found through them. Their objects leave the media storage
    # (folder or bucket) once the erasure commits.
    holds_personal_data(
        MediaFile, "media_files", order=5, rows=_their_files, files=_stored_names,
        export=_values("id", "mimetype", "size", "sha256", "created_at"))
    # A file still to be fetched: the base64 a webhook carried, until the worker stores it.
    holds_personal_data(
        MediaDownload, "media_downloads", order=5,
        rows=lambda p: MediaDownload.objects.filter(message__in=_their_messages(p)))
    holds_personal_data(
        Message, "messages", order=10,
        rows=_their_messages, export=_values(*MESSAGE_FIELDS))
    # An early ack names a message by its engine id, which for WPPConnect holds the phone.
    holds_personal_data(
        EarlyUpdate, "early_updates", order=15,
        rows=lambda p: EarlyUpdate.objects.filter(instance__org_id=p.org_id)
        .filter(p.mentioned_in("engine_message_id")))
    holds_personal_data(
        Conversation, "conversations", order=20,
        rows=lambda p: Conversation.objects.filter(org_id=p.org_id, contact__in=p.contact_ids),
        export=_values("id", "instance_id", "created_at", "last_message_at", "unread_count"))
    holds_personal_data(
        ContactHandle, "handles", order=30,
        rows=lambda p: ContactHandle.objects.filter(org_id=p.org_id, contact__in=p.contact_ids),
        export=_values("kind", "value"))
    holds_personal_data(
        Contact, "contacts", order=40,
        rows=lambda p: Contact.objects.filter(org_id=p.org_id, pk__in=p.contact_ids),
        export=_values("id", "e164", "name", "push_name", "wa_id", "photo_url", "created_at"))
