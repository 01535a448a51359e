from django.apps import AppConfig
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
