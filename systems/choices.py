from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    ETAT = "etat", _("agency (etat)")
    BYDEL = "bydel", _("district (bydel)")
    FORETAK = "foretak", _("municipal enterprise (foretak)")
    OTHER = "other", _("other")


class Environment(models.TextChoices):
    TEST = "test", _("test")
    PRODUCTION = "production", _("production")


class Criticality(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class MigrationStatus(models.TextChoices):
    NOT_PLANNED = "not_planned", _("not planned")
    PLANNED = "planned", _("planned")
    NOTIFIED = "notified", _("notified")
    IN_PROGRESS = "in_progress", _("in progress")
    MIGRATED = "migrated", _("migrated")
    VERIFIED = "verified", _("verified")
    ON_HOLD = "on_hold", _("on hold")
    ROLLED_BACK = "rolled_back", _("rolled back")
    EXCLUDED = "excluded", _("excluded")


class ContactRole(models.TextChoices):
    PRIMARY = "primary", _("primary")
    SECONDARY = "secondary", _("secondary")
    TESTER = "tester", _("tester")
    OWNER = "owner", _("system owner")


class Language(models.TextChoices):
    NB = "nb", _("Norwegian Bokmål")
    EN = "en", _("English")
