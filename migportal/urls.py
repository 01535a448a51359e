from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from dashboard import views as dashboard_views
from ops import views as ops_views

from . import views

urlpatterns = [
    path("", dashboard_views.dashboard_current, name="home"),
    path("", include("dashboard.urls")),
    # Pages link the SVG icon; pages that do not (the admin) and old browsers ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", ops_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail (templates in templates/registration/, Norwegian through i18n).
    path("accounts/password-reset/", ops_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Staff workspace: /staff/, /agencies/, /systems/, /vms/, /contacts/, /waves/.
    path("", include("systems.urls")),
    path("", include("waves.urls")),
    path("", include("notifications.urls")),
    path("", include("portal.urls")),
    path("", include("planning.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
    path("", include("systems.inventory.urls")),
]

handler500 = "ops.views.server_error"
