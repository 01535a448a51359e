from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notices/", views.NoticeListView.as_view(), name="notice_list"),
    path("notices/<int:pk>/", views.NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/edit/", views.NoticeEditView.as_view(), name="notice_edit"),
    path("notices/<int:pk>/publish/", views.NoticePublishView.as_view(), name="notice_publish"),
    path("notices/deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
    path("notices/deliveries/<int:pk>/retry/", views.DeliveryRetryView.as_view(), name="delivery_retry"),
    path("notices/webhook/enable/", views.WebhookEnableView.as_view(), name="webhook_enable"),
    path("notices/webhook/disable/", views.WebhookDisableView.as_view(), name="webhook_disable"),
]
