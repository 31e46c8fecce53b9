from django.apps import AppConfig


class ErpConfig(AppConfig):
    name = "ponte.erp"
    label = "erp"

    def ready(self) -> None:
        from ponte.erp import personal_data

        personal_data.register()
