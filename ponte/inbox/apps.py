from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The inbox app owns the webhook committer: one writer thread per process."""

    name = "ponte.inbox"
    label = "inbox"

    def ready(self) -> None:
        from ponte.inbox.committer import GroupCommitter
        from ponte.inbox.worker import drainer

        self.committer = GroupCommitter(on_commit=drainer.wake)
