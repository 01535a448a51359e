from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import pages, views

app_name = "api"

router = SimpleRouter()
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("systems", views.SystemViewSet, basename="system")
router.register("vms", views.VMViewSet, basename="vm")
router.register("contacts", views.ContactPersonViewSet, basename="contactperson")
router.register("system-contacts", views.SystemContactViewSet, basename="systemcontact")
router.register("waves", views.WaveViewSet, basename="wave")
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")
router.register("acknowledgements", views.AcknowledgementViewSet, basename="acknowledgement")
router.register("me/notices", views.ContactNoticeViewSet, basename="my-notice")
router.register("me/acknowledgements", views.ContactAcknowledgementViewSet, basename="my-acknowledgement")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/v1/inventory/", views.InventoryUpsertView.as_view(), name="inventory_upsert"),
    path("api/v1/dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("api/tokens/", pages.ApiTokenListView.as_view(), name="token_list"),
    path("api/tokens/<int:pk>/revoke/", pages.ApiTokenRevokeView.as_view(), name="token_revoke"),
]
