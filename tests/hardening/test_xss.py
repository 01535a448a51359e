"""An XSS corpus stored in every free-text field must render inert on every surface that shows it.

A surface is (model, URL builder, who looks, kind of output). To cover a new page after a merge, add a
Surface to SURFACES, e.g.
    Surface("staff system detail", System, lambda obj: reverse("systems:system_detail", args=[obj.pk]),
            "viewer_client")
and, for a new model, a builder in sample_data.MODEL_BUILDERS. `test_every_free_text_field_has_a_surface`
fails until every CharField/TextField of every model of ours is shown somewhere in the corpus.
"""

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse

from .html_checks import dangerous_urls, live_code, parse
from .sample_data import MODEL_BUILDERS

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>x()</script>",  # fits a 20-character code field
    '"><b onclick=x()>',  # breaks out of a double-quoted attribute
    "' onfocus='x()",  # ... of a single-quoted one
    "javascript:x()",  # a URL that runs script if it ever lands in href/src
    "<img src=x onerror=alert(1)>",
    "</textarea></title><svg onload=alert(1)>",  # leaves a textarea/title, then injects
    "{{ 7|add:7 }}{% now 'Y' %}",  # template injection: must come out literally
]
OUR_APPS = ["systems", "waves", "notifications", "dashboard", "portal", "ops"]


@dataclass(frozen=True)
class Surface:
    name: str
    model: type[models.Model]
    url: Callable[[models.Model], str]
    client: str = "admin_client"
    kind: str = "html"  # "html" or "xml" (Atom); add a checker below for e-mail and iCalendar
    # Fields the surface must visibly show (the payload must be found there, so the test cannot pass
    # by showing nothing); None = every free-text field of the model.
    shows: tuple[str, ...] | None = None
    extra: dict = field(default_factory=dict, hash=False)


def free_text_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.CharField | models.TextField) and not f.choices and f.concrete and not f.auto_created
    ]


def _admin_surfaces() -> list[Surface]:
    surfaces = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS or not free_text_fields(model):
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        list_fields = tuple(name for name in model_admin.list_display if name in free_text_fields(model))
        surfaces += [
            Surface(f"admin list {model.__name__}", model, lambda obj, p=prefix: reverse(f"{p}_changelist"),
                    shows=list_fields),
            Surface(f"admin change {model.__name__}", model,
                    lambda obj, p=prefix: reverse(f"{p}_change", args=[obj.pk])),
            Surface(f"admin history {model.__name__}", model,
                    lambda obj, p=prefix: reverse(f"{p}_history", args=[obj.pk]), shows=()),
            Surface(f"admin delete {model.__name__}", model,
                    lambda obj, p=prefix: reverse(f"{p}_delete", args=[obj.pk]), shows=()),
        ]  # fmt: skip
    return surfaces


SURFACES: list[Surface] = (
    _admin_surfaces()
    + [
        # Staff pages (issue 3), import preview (4), notices pages, e-mails, iCalendar and Atom (5), the
        # customer portal (6) and the public dashboard (7) are added here when they land.
    ]
)


def _cases():
    for surface in SURFACES:
        for name in free_text_fields(surface.model):
            yield pytest.param(surface, name, id=f"{surface.name}.{name}")


def _fits(model, name: str, payload: str) -> bool:
    max_length = model._meta.get_field(name).max_length
    return max_length is None or len(payload) <= max_length


def _assert_inert_html(html: str, payload: str, must_show: bool) -> None:
    assert live_code(html) == [], "markup from the payload became live code"
    assert dangerous_urls(html) == [], "the payload became a script URL"
    assert not [t for t, a in parse(html).tags if t in ("svg", "img") and a.get("src") == "x"]
    if must_show:
        page = parse(html)
        attributes = [value for _tag, attrs in page.tags for value in attrs.values()]
        assert any(payload in text for text in page.text) or payload in attributes, "payload not shown"


def _assert_inert_xml(body: str, payload: str, must_show: bool) -> None:
    root = ET.fromstring(body)  # noqa: S314 - our own output; unescaped markup would make this fail or add elements
    assert not root.findall(".//{http://www.w3.org/1999/xhtml}script")
    if must_show:
        assert any(payload in (element.text or "") for element in root.iter())


@pytest.mark.parametrize(("surface", "field_name"), list(_cases()))
def test_xss_payload_in_field_renders_inert(request, surface, field_name):
    client = request.getfixturevalue(surface.client)
    must_show = surface.shows is None or field_name in surface.shows
    tried = 0
    for payload in PAYLOADS:
        if not _fits(surface.model, field_name, payload):
            continue
        obj = MODEL_BUILDERS[surface.model](**{field_name: payload})
        response = client.get(surface.url(obj))
        assert response.status_code == 200, (surface.name, response.status_code)
        body = response.content.decode()
        check = _assert_inert_xml if surface.kind == "xml" else _assert_inert_html
        check(body, payload, must_show)
        obj.delete()
        tried += 1
    assert tried >= 4, f"{field_name} is too short for most payloads"


def test_every_free_text_field_has_a_surface():
    """A free-text field nobody checks is where the next XSS hides: every one needs a surface."""
    covered = {(s.model, name) for s in SURFACES for name in free_text_fields(s.model)}
    missing = [
        f"{model._meta.label}.{name}"
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
        for name in free_text_fields(model)
        if (model, name) not in covered
    ]
    assert not missing, f"add a Surface (and a builder in sample_data) for {missing}"


def test_every_model_of_ours_has_a_builder():
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and not m.__name__.startswith("Historical")]
    assert [m._meta.label for m in ours if m not in MODEL_BUILDERS] == []
