from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running migportal in production: request ids, structured logs, single sign-on, the accessibility statement."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from . import auth, request_context

        request_context.connect_celery_signals()
        user_login_failed.connect(auth.count_failed_login, dispatch_uid="ops.count_failed_login")


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's admin site (ops/admin.py) as `admin.site`."""

    default = False  # "ops" alone still means OpsConfig
    default_site = "ops.admin.AdminSite"
