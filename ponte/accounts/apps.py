from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ponte.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from ponte.accounts import lookup  # noqa: F401 - connects cache invalidation
        from ponte.db import make_sqlite_files_private

        connection_created.connect(make_sqlite_files_private,
                                   dispatch_uid="ponte.db.make_sqlite_files_private")
