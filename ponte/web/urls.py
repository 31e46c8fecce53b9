from django.urls import include, path

from ponte.web import chat_actions, erp_panel, hiding, leads_views, marketing_views, views

urlpatterns = [
    path("", include("ponte.web.auth_urls")),
    path("", include("ponte.web.settings_urls")),
    path("", views.inbox, name="inbox"),
    path("inbox/list/", views.inbox_list, name="inbox_list"),
    path("leads/", leads_views.leads_page, name="leads"),
    path("leads/list/", leads_views.leads_list, name="leads_list"),
    path("marketing/", marketing_views.marketing_page, name="marketing"),
    path("marketing/settings/", marketing_views.save_settings, name="marketing_settings"),
    path("marketing/open/<str:kind>/<int:customer_id>/", marketing_views.open_recall,
         name="open_recall"),
    path("instance/banner/", views.instance_banner, name="instance_banner"),
    path("conversations/<int:conversation_id>/", views.chat, name="chat"),
    path("conversations/<int:conversation_id>/history/", chat_actions.history, name="history"),
    path("conversations/<int:conversation_id>/photo/", chat_actions.photo, name="contact_photo"),
    path("conversations/<int:conversation_id>/lead/", views.lead_panel, name="lead_panel"),
    path("conversations/<int:conversation_id>/customer/", erp_panel.choose_customer,
         name="choose_customer"),
    path("conversations/<int:conversation_id>/erp/", erp_panel.erp_panel, name="erp_panel"),
    path("conversations/<int:conversation_id>/send/", chat_actions.send, name="send"),
    path("conversations/<int:conversation_id>/read/", chat_actions.mark_read, name="mark_read"),
    path("conversations/<int:conversation_id>/assign/", chat_actions.assign, name="assign"),
    path("conversations/<int:conversation_id>/hide/", hiding.hide_number, name="hide_number"),
    path("messages/<int:message_id>/", chat_actions.message, name="message"),
    path("messages/<int:message_id>/retry/", chat_actions.retry, name="retry"),
    path("chat/", views.deep_link, name="deep_link"),
    path("chat/send/", chat_actions.send_to_phone, name="send_to_phone"),
]
