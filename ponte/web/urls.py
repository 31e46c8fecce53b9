from django.contrib.auth import views as auth_views
from django.urls import path

from ponte.web import settings_views, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.inbox, name="inbox"),
    path("conversations/<int:conversation_id>/", views.chat, name="chat"),
    path("settings/whatsapp/", settings_views.whatsapp, name="settings_whatsapp"),
]
