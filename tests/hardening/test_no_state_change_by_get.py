"""No state change by GET: every URL the resolver knows is fetched with GET by a user who may see
everything (superuser who is also a contact person), and the database, the outbox of Celery tasks and
the e-mail outbox must be exactly as before. Action endpoints must refuse GET outright (405).

New URLs are covered when they land; a URL whose parameters cannot be guessed from its name is
reported by `test_every_url_is_reached`, and gets an entry in PARAMETER_VALUES.
"""

import hashlib
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery import signals
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from rest_framework.authtoken.models import Token

from notifications.models import Notice
from portal.models import FeedToken, LoginLink
from systems.inventory.models import ImportJob
from systems.models import System

from .sample_data import one_of_everything

pytestmark = pytest.mark.django_db

# Rows a GET may legitimately write: the session of the logged-in user, axes' login audit, admin log.
IGNORED_TABLES = {"sessions.session", "axes.accesslog", "axes.accessattempt", "axes.accessfailurelog"}
# URL names of endpoints that do something: GET must be refused with 405, not just harmless.
ACTION_NAME = re.compile(
    r"(^|[_:])(logout|retry|resend|publish|confirm|acknowledge|unacknowledge|ack|cancel|revoke|rotate|regenerate|"
    r"transition|sign_off|signoff|approve|dispatch|send|commit|reset|enable|disable|bulk|assign_wave|set_state)($|_)"
)
# GETs that start a protocol rather than change our data.
NOT_ACTIONS = {
    "oidc_authentication_init",
    "oidc_authentication_callback",
    # Password reset (issue 3): GET shows a form or a "sent"/"done" page; only the POSTs act.
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
PARAMETER_VALUES = {"app_label": "systems", "year": 2026, "week": 47, "token": "x" * 32, "url": "x"}
# URLs whose parameters do not follow from their name.
URL_KWARGS = {
    "portal:login_link": lambda objects: {"pk": objects[LoginLink].pk, "secret": objects[LoginLink].secret},
    "portal:staff_acknowledgement_detail": lambda objects: {"pk": objects[Notice].pk},
    "portal:calendar_feed": lambda objects: {"token": objects[FeedToken].key},
    "portal:atom_feed": lambda objects: {"token": objects[FeedToken].key},
    "password_reset_confirm": lambda objects: {"uidb64": "MQ", "token": "not-a-valid-token"},
    # Inventory import and export (issue 4): an import is its uploader's; exports name a table or a format.
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


def _model_for(name: str):
    """The model a URL name talks about: admin:systems_system_change, systems:system_detail, …"""
    bare = name.rsplit(":", 1)[-1]
    for model in apps.get_models():
        for prefix in (f"{model._meta.app_label}_{model._meta.model_name}_", f"{model._meta.model_name}_"):
            if bare.startswith(prefix):
                return model
    return None


def _url_for(name: str, objects: dict) -> str | None:
    if name in URL_KWARGS:
        return reverse(name, kwargs=URL_KWARGS[name](objects))
    model = _model_for(name)
    obj = (objects.get(model) or model._base_manager.order_by("pk").first()) if model else None
    candidates = [{}]
    if obj is not None:
        candidates += [{"pk": obj.pk}, {"object_id": obj.pk}, {"id": obj.pk}]
    candidates += [{key: value} for key, value in PARAMETER_VALUES.items()]
    candidates += [{"year": 2026, "week": 47}]
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


def _state_digest() -> dict[str, str]:
    digest = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED_TABLES:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digest


@pytest.fixture
def everything(admin_user):
    objects = one_of_everything(admin_user)
    # Rows of third-party models the admin lists, so their detail pages are walked too.
    Token.objects.create(user=admin_user)
    axes_row = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "someone", "http_accept": "*/*",
                "path_info": "/accounts/login/"}  # fmt: skip
    AccessAttempt.objects.create(**axes_row, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**axes_row)
    AccessLog.objects.create(**axes_row)
    return objects


@pytest.fixture
def published_tasks():
    seen = []

    def record(sender=None, **_kwargs):
        seen.append(sender)

    signals.before_task_publish.connect(record, weak=False)
    yield seen
    signals.before_task_publish.disconnect(record)


def _all_urls(everything) -> dict[str, str | None]:
    return {name: _url_for(name, everything) for name in sorted(set(_walk(get_resolver().url_patterns)))}


def test_no_get_changes_any_state(admin_client, admin_user, everything, published_tasks):
    admin_client.get("/")  # the session row exists from here on
    before = _state_digest()
    changed = []
    for name, url in _all_urls(everything).items():
        if url is None:
            continue
        admin_client.get(url)
        after = _state_digest()
        if after != before:
            changed.append(f"{name} ({url}): {[k for k in after if after[k] != before.get(k)]}")
            before = after
    assert changed == [], "GET changed the database"
    assert published_tasks == [], "GET enqueued Celery tasks"
    assert mail.outbox == [], "GET sent e-mail"


def test_action_endpoints_refuse_get(admin_client, everything):
    actions = {n: u for n, u in _all_urls(everything).items() if ACTION_NAME.search(n) and n not in NOT_ACTIONS}
    assert "logout" in actions  # the walk finds them
    refused = {name: admin_client.get(url).status_code for name, url in actions.items() if url}
    assert {name: code for name, code in refused.items() if code != 405} == {}


def test_every_url_is_reached(everything):
    """A URL the walk cannot build is a URL nobody checks: extend PARAMETER_VALUES or sample_data."""
    unreached = [name for name, url in _all_urls(everything).items() if url is None]
    assert unreached == [], ", ".join(unreached)
