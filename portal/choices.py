from django.db import models
from django.utils.translation import gettext_lazy as _


class TestResult(models.TextChoices):
    __test__ = False  # not a pytest test class
    OK = "ok", _("OK – the system works after the migration")
    PROBLEMS = "problems", _("Problems found")
