from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "systems.inventory"
    label = "inventory"
    verbose_name = _("Inventory import and export")
    default_auto_field = "django.db.models.BigAutoField"
