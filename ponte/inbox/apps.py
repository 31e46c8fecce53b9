from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "ponte.inbox"
    label = "inbox"
