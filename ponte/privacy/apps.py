"""What the CRM may never see: groups, broadcasts, status, newsletters, locked chats,
hidden numbers; and what it must forget on request."""
from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ponte.privacy"
    label = "privacy"

    def ready(self) -> None:
        from ponte.accounts.models import Instance
        from ponte.personal_data import not_personal, refuse_sending_when
        from ponte.privacy.models import DroppedCount, HiddenHandle, HiddenNumber, PrivacyRecord
        from ponte.privacy.services import is_hidden

        not_personal(HiddenNumber, "the hide itself: it is what keeps the number out")
        not_personal(HiddenHandle, "the hide's other forms of the number, and its @lids")
        not_personal(PrivacyRecord, "the audit trail: a phone, who and counts, never content")
        not_personal(DroppedCount, "counts by reason only")
        not_personal(Instance, "phone_number_id is Meta's id of the shop's own number")
        refuse_sending_when(is_hidden)
