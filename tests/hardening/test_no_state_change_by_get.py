"""No state change by GET: every URL the resolver knows is fetched with GET by a user who may see
everything (superuser who is also a contact person), and the database, the outbox of Celery tasks and
the e-mail outbox must be exactly as before. Action endpoints must refuse GET outright (405).

New URLs are covered when they land; a URL whose parameters cannot be guessed from its name is
reported by `test_every_url_is_reached`, and gets an entry in url_walk.py.
"""

import hashlib
import re

import pytest
from django.apps import apps
from django.core import mail

from .url_walk import all_urls

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
    # Password reset: GET shows a form or a "sent"/"done" page; only the POSTs act.
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def _state_digest() -> dict[str, str]:
    digest = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED_TABLES:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digest


def test_no_get_changes_any_state(admin_client, admin_user, everything, published_tasks):
    admin_client.get("/")  # the session row exists from here on
    before = _state_digest()
    changed = []
    for name, url in all_urls(everything).items():
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
    actions = {n: u for n, u in all_urls(everything).items() if ACTION_NAME.search(n) and n not in NOT_ACTIONS}
    assert "logout" in actions  # the walk finds them
    refused = {name: admin_client.get(url).status_code for name, url in actions.items() if url}
    assert {name: code for name, code in refused.items() if code != 405} == {}


def test_every_url_is_reached(everything):
    """A URL the walk cannot build is a URL nobody checks: extend PARAMETER_VALUES or sample_data."""
    unreached = [name for name, url in all_urls(everything).items() if url is None]
    assert unreached == [], ", ".join(unreached)
