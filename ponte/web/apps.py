from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ponte.web"
    label = "web"
