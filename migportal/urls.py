from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import views as dashboard_views

from . import views

urlpatterns = [
    path("", dashboard_views.dashboard_current, name="home"),
    path("", include("dashboard.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("notifications.urls")),
    path("", include("portal.urls")),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
]

handler500 = "ops.views.server_error"
