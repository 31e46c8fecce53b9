from django.urls import include, path

from ponte.web import views

urlpatterns = [
    path("", include("ponte.web.auth_urls")),
    path("", include("ponte.web.settings_urls")),
    path("", views.inbox, name="inbox"),
    path("conversations/<int:conversation_id>/", views.chat, name="chat"),
]
