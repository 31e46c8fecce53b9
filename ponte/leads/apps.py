from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "ponte.leads"
    label = "leads"

    def ready(self) -> None:
        from django.db.models import Q

        from ponte.ai.signals import transcript_written
        from ponte.leads.models import Lead, LeadScore, ReplySuggestion
        from ponte.leads.services import do_track_transcript
        from ponte.personal_data import holds_personal_data

        # A voice note's words arrive after the message: the lead is due a new scoring.
        transcript_written.connect(do_track_transcript, dispatch_uid="leads.transcript")

        # A suggestion may quote the customer's name; it goes before the messages it points at.
        holds_personal_data(
            ReplySuggestion, "reply_suggestions", order=8,
            rows=lambda p: ReplySuggestion.objects.filter(
                Q(lead__contact__in=p.contact_ids) | Q(conversation__contact__in=p.contact_ids),
                org_id=p.org_id),
            export=lambda rows: list(rows.values("conversation_id", "text", "topic", "provider",
                                                 "created_at", "used_at", "similarity")))
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
