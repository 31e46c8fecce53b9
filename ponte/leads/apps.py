from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "ponte.leads"
    label = "leads"
