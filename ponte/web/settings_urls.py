from django.urls import path

from ponte.web import (
    ai_settings_views,
    desk_settings_views,
    engine_settings_views,
    privacy_views,
    settings_views,
    signing_views,
)

urlpatterns = [
    path("settings/whatsapp/", settings_views.whatsapp, name="settings_whatsapp"),
    path("settings/whatsapp/<uuid:instance_id>/status/", settings_views.status,
         name="settings_whatsapp_status"),
    path("settings/whatsapp/<uuid:instance_id>/reconnect/", settings_views.reconnect,
         name="settings_whatsapp_reconnect"),
    path("settings/whatsapp/<uuid:instance_id>/reset/", settings_views.reset,
         name="settings_whatsapp_reset"),
    path("settings/whatsapp/<uuid:instance_id>/webhook-token/",
         settings_views.rotate_webhook_token, name="settings_whatsapp_rotate"),
    path("settings/whatsapp/<uuid:instance_id>/app-secret/", signing_views.set_app_secret,
         name="settings_whatsapp_app_secret"),
    path("settings/whatsapp/<uuid:instance_id>/engine/", engine_settings_views.engine,
         name="settings_whatsapp_engine"),
    path("settings/ai/", ai_settings_views.ai_settings, name="settings_ai"),
    path("settings/ai/save/", ai_settings_views.save, name="settings_ai_save"),
    path("settings/ai/test/", ai_settings_views.test, name="settings_ai_test"),
    path("settings/privacy/", privacy_views.privacy, name="settings_privacy"),
    path("settings/privacy/hidden/", privacy_views.hide, name="settings_privacy_hide"),
    path("settings/privacy/hidden/<int:hidden_id>/unhide/", privacy_views.unhide,
         name="settings_privacy_unhide"),
    path("settings/privacy/export/", privacy_views.export, name="settings_privacy_export"),
    path("settings/privacy/erase/", privacy_views.erase, name="settings_privacy_erase"),
    path("settings/desk/", desk_settings_views.desk_settings, name="settings_desk"),
    path("settings/desk/save/", desk_settings_views.save, name="settings_desk_save"),
    path("settings/desk/holidays/", desk_settings_views.holidays, name="settings_desk_holidays"),
]
