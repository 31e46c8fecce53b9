from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "ponte.diagnostics"
    label = "diagnostics"
