from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "ponte.marketing"
    label = "marketing"

    def ready(self) -> None:
        from django.db.models import Q

        from ponte.marketing.models import Recall, RecallSettings
        from ponte.personal_data import holds_personal_data, not_personal

        # A reminder quotes the customer's name and points at their chat.
        holds_personal_data(
            Recall, "recalls", order=7,
            rows=lambda p: Recall.objects.filter(
                Q(e164=p.e164 or "-") | Q(conversation__contact__in=p.contact_ids),
                org_id=p.org_id),
            export=lambda rows: list(rows.values("kind", "message", "e164", "opened_at",
                                                 "sent_at")))
        not_personal(RecallSettings, "the shop's own reminder templates and thresholds")
