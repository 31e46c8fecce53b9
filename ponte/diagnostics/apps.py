from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "ponte.diagnostics"
    label = "diagnostics"

    def ready(self) -> None:
        from ponte.diagnostics.models import DiagnosticEntry
        from ponte.personal_data import holds_personal_data

        # An engine call about a person (a number check) names them in its path or error.
        holds_personal_data(
            DiagnosticEntry, "engine_calls", order=60,
            rows=lambda p: DiagnosticEntry.objects.filter(org_id=p.org_id)
            .filter(p.mentioned_in("path", "error")))
