"""Free-text search, once: the lists' `q` filter and the autocomplete endpoints match the same way."""

from django.db.models import Q


def matching(fields: tuple[str, ...], text: str) -> Q:
    """Rows where any of `fields` contains `text`, ignoring case (everything when `text` is blank)."""
    text = text.strip()
    condition = Q()
    if text:
        for field in fields:
            condition |= Q(**{f"{field}__icontains": text})
    return condition
