from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "ponte.leads"
    label = "leads"

    def ready(self) -> None:
        from ponte.leads.models import Lead, LeadScore
        from ponte.personal_data import holds_personal_data

        # The history goes before the lead it points at, so each row is counted.
        holds_personal_data(
            LeadScore, "lead_scores", order=24,
            rows=lambda p: LeadScore.objects.filter(org_id=p.org_id,
                                                    lead__contact__in=p.contact_ids),
            export=lambda rows: list(rows.values("score", "sentiment_label", "sentiment_value",
                                                 "intent", "reasons", "scored_at")))
        holds_personal_data(
            Lead, "leads", order=25,
            rows=lambda p: Lead.objects.filter(org_id=p.org_id, contact__in=p.contact_ids),
            export=lambda rows: list(rows.values(
                "status", "source", "score", "reasons", "sentiment_label", "sentiment_value",
                "intent", "scored_at", "created_at")))
