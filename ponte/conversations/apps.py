from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "ponte.conversations"
    label = "conversations"
