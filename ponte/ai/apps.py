from django.apps import AppConfig


class AIConfig(AppConfig):
    name = "ponte.ai"
    label = "ai"

    def ready(self) -> None:
        from ponte.ai.transcripts import wake_for_stored_file
        from ponte.conversations.media_downloads import file_stored

        # A voice note's file just stored: transcribe it now rather than at the next poll.
        file_stored.connect(wake_for_stored_file, dispatch_uid="ai.transcribe_stored")
