"""Template helpers for the staff pages."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from migportal.tables import DATETIME_FORMAT

register = template.Library()


@register.filter
def nb_datetime(value) -> str:
    """24.11.2026 kl. 18:00 (Europe/Oslo), the Norwegian way."""
    if not value:
        return "–"
    return date_format(timezone.localtime(value), DATETIME_FORMAT)
