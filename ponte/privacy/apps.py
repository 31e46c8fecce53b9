from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ponte.privacy"
    label = "privacy"
