from django.urls import path

from ponte.web import settings_views

urlpatterns = [
    path("settings/whatsapp/", settings_views.whatsapp, name="settings_whatsapp"),
]
