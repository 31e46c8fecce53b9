from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "ponte.media"
    label = "media"
