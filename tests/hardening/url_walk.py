"""Every URL the resolver knows, with real parameters: the GET walk and the hostile-input walk share it.

New URLs are covered when they land; a URL whose parameters cannot be guessed from its name is reported by
`test_every_url_is_reached` (test_no_state_change_by_get.py) and gets an entry in PARAMETER_VALUES or URL_KWARGS.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from notifications.models import Notice
from portal.models import FeedToken, LoginLink
from systems.inventory.models import ImportJob
from systems.models import System

PARAMETER_VALUES = {"app_label": "systems", "year": 2026, "week": 47, "token": "x" * 32, "url": "x"}
# URLs whose parameters do not follow from their name.
URL_KWARGS = {
    "portal:login_link": lambda objects: {"pk": objects[LoginLink].pk, "secret": objects[LoginLink].secret},
    "portal:staff_acknowledgement_detail": lambda objects: {"pk": objects[Notice].pk},
    "portal:calendar_feed": lambda objects: {"token": objects[FeedToken].key},
    "portal:atom_feed": lambda objects: {"token": objects[FeedToken].key},
    "password_reset_confirm": lambda objects: {"uidb64": "MQ", "token": "not-a-valid-token"},
    # Inventory import and export: an import is its uploader's; exports name a table or a format.
    "inventory:import_job": lambda objects: {"pk": objects[ImportJob].pk},
    "inventory:import_progress": lambda objects: {"pk": objects[ImportJob].pk},
    "inventory:import_confirm": lambda objects: {"pk": objects[ImportJob].pk},
    "inventory:export_csv": lambda objects: {"kind": "systems"},
    "inventory:export_file": lambda objects: {"fmt": "xlsx"},
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def model_for(name: str):
    """The model a URL name talks about: admin:systems_system_change, systems:system_detail, …"""
    bare = name.rsplit(":", 1)[-1].replace("-", "_")  # the API's router names use hyphens
    for model in apps.get_models():
        for prefix in (f"{model._meta.app_label}_{model._meta.model_name}_", f"{model._meta.model_name}_"):
            if bare.startswith(prefix):
                return model
    return None


def _url_for(name: str, objects: dict) -> str | None:
    if name in URL_KWARGS:
        return reverse(name, kwargs=URL_KWARGS[name](objects))
    model = model_for(name)
    obj = (objects.get(model) or model._base_manager.order_by("pk").first()) if model else None
    candidates = [{}]
    if obj is not None:
        candidates += [{"pk": obj.pk}, {"object_id": obj.pk}, {"id": obj.pk}, {"key": obj.pk}]
    candidates += [{key: value} for key, value in PARAMETER_VALUES.items()]
    candidates += [{"year": 2026, "week": 47}]
    # A row the sample data has none of (or a URL named after no model): an id nobody has, answered 404.
    candidates += [{"pk": 10**9}, {"key": "ukjent"}]
    system = objects[System]
    candidates += [{"content_type_id": ContentType.objects.get_for_model(System).pk, "object_id": system.pk}]
    history = getattr(obj, "history", None) if obj is not None else None
    positional = [[obj.pk, record.history_id] for record in history.all()[:1]] if history is not None else []
    for args, kwargs in [((), kwargs) for kwargs in candidates] + [(args, {}) for args in positional]:
        try:
            return reverse(name, args=args, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def all_urls(objects: dict) -> dict[str, str | None]:
    """URL name → a URL with real parameters (None when the walk cannot build one)."""
    return {name: _url_for(name, objects) for name in url_names()}


def url_names() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))
