from django.apps import AppConfig


class AIConfig(AppConfig):
    name = "ponte.ai"
    label = "ai"
