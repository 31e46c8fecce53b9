from django.contrib.auth.views import LogoutView
from django.urls import include, path

from ponte.web import auth_views

urlpatterns = [
    path("login/", auth_views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),  # POST only since Django 5
    path("organizations/choose/", auth_views.choose_org, name="choose_org"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language
]
