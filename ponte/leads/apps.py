from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "ponte.leads"
    label = "leads"

    def ready(self) -> None:
        from ponte.leads.models import Lead
        from ponte.personal_data import holds_personal_data

        holds_personal_data(
            Lead, "leads", order=25,
            rows=lambda p: Lead.objects.filter(org_id=p.org_id, contact__in=p.contact_ids),
            export=lambda rows: list(rows.values("score", "reasons", "scored_at", "created_at")))
