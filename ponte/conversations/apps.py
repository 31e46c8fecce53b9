from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "ponte.conversations"
    label = "conversations"

    def ready(self) -> None:
        from ponte.accounts.signals import session_connected
        from ponte.conversations import personal_data
        from ponte.conversations.sender import wake_on_connection

        session_connected.connect(wake_on_connection, dispatch_uid="ponte-sender-wake")
        personal_data.register()
