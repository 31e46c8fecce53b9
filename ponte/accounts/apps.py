from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ponte.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ponte.accounts import lookup  # noqa: F401 - connects cache invalidation
