from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ponte.sessions"
    label = "engine_sessions"
