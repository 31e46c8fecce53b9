from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The attendant's day: status, assignment, labels, quick replies, notes,
    notifications, the away message and the reports."""

    name = "ponte.desk"
    label = "desk"

    def ready(self) -> None:
        from ponte.desk.models import (
            AwayReply,
            ConversationEvent,
            ConversationLabel,
            Label,
            Note,
            Notification,
        )
        from ponte.personal_data import holds_personal_data, not_personal

        def of_their_chats(model):
            return lambda p: model.objects.filter(conversation__org_id=p.org_id,
                                                  conversation__contact__in=p.contact_ids)

        # Before the notes and messages they point at, so each is counted.
        holds_personal_data(Notification, "notifications", order=8,
                            rows=of_their_chats(Notification))
        holds_personal_data(AwayReply, "away_replies", order=8, rows=of_their_chats(AwayReply))
        holds_personal_data(Note, "notes", order=11, rows=of_their_chats(Note),
                            export=lambda rows: list(rows.values("conversation_id", "author_name",
                                                                 "text", "created_at")))
        holds_personal_data(ConversationEvent, "chat_events", order=11,
                            rows=of_their_chats(ConversationEvent),
                            export=lambda rows: list(rows.values("conversation_id", "kind", "data",
                                                                 "actor_name", "created_at")))
        holds_personal_data(ConversationLabel, "chat_labels", order=11,
                            rows=of_their_chats(ConversationLabel),
                            export=lambda rows: list(rows.values("conversation_id", "label__name",
                                                                 "added_at")))
        not_personal(Label, "a label's name and colour are the shop's; which chats carry it "
                            "is ConversationLabel, registered")
