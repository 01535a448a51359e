from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("personal")
    SERVICE = "service", _("service")


class TokenScope(models.TextChoices):
    READ = "read", _("read-only")
    EDITOR = "editor", _("editor")
