from django.apps import AppConfig


class AIConfig(AppConfig):
    name = "ponte.ai"
    label = "ai"

    def ready(self) -> None:
        from ponte.ai.models import TranscriptionJob
        from ponte.ai.transcripts import wake_for_stored_file
        from ponte.conversations.media_downloads import file_stored
        from ponte.personal_data import holds_personal_data

        # A voice note's file just stored: transcribe it now rather than at the next poll.
        file_stored.connect(wake_for_stored_file, dispatch_uid="ai.transcribe_stored")

        # How a voice note's transcription went; it goes before the message it points at.
        holds_personal_data(
            TranscriptionJob, "transcriptions", order=8,
            rows=lambda p: TranscriptionJob.objects.filter(
                org_id=p.org_id, message__conversation__contact__in=p.contact_ids),
            export=lambda rows: list(rows.values("message_id", "state", "provider", "attempts",
                                                 "error", "created_at", "finished_at")))
