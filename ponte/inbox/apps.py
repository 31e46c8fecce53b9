from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The inbox app owns the webhook committer: one writer thread per process."""

    name = "ponte.inbox"
    label = "inbox"

    def ready(self) -> None:
        from ponte.inbox.committer import GroupCommitter
        from ponte.inbox.worker import drainer

        self.committer = GroupCommitter(on_commit=drainer.wake)
        _register_personal_data()


def _register_personal_data() -> None:
    from ponte.inbox.models import InboxEvent
    from ponte.inbox.pipeline import settle_pending
    from ponte.personal_data import holds_personal_data

    # Raw webhook bodies: erased, never exported (the stored messages are the export).
    holds_personal_data(
        InboxEvent, "webhook_bodies", order=5, settle=settle_pending,
        rows=lambda p: InboxEvent.objects.filter(org_id=p.org_id).filter(p.mentioned_in("body")))
