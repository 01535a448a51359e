"""Every model has a working admin, and every page speaks the active language in <html lang>."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ContactPersonFactory, SystemContactFactory, VMFactory, WaveFactory

pytestmark = pytest.mark.django_db

ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
PROJECT_APPS = {"systems", "waves", "notifications", "dashboard"}


@pytest.fixture
def inventory():
    link = SystemContactFactory(system=VMFactory().system, contact=ContactPersonFactory())
    link.system.wave = WaveFactory()
    link.system.save()
    return link


def test_every_project_model_is_in_the_admin():
    from django.apps import apps

    project_models = {
        m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS and not m.__name__.startswith("Historical")
    }
    assert project_models <= set(admin.site._registry)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_admin_list_add_and_change_pages_load(admin_client, inventory, model):
    info = model._meta.app_label, model._meta.model_name
    assert admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"}).status_code == 200
    assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code in (200, 403)
    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200
        if hasattr(model, "history"):
            assert admin_client.get(reverse("admin:{}_{}_history".format(*info), args=[obj.pk])).status_code == 200


def test_admin_refuses_project_staff_without_admin_rights(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/"])
def test_html_lang_follows_the_active_language(client, path):
    assert html_lang(client.get(path)) == "nb"
    assert html_lang(client.get(path, headers={"accept-language": "en"})) == "en"
    client.post(reverse("set_language"), {"language": "en", "next": path})
    response = client.get(path)
    assert html_lang(response) == "en"
    client.post(reverse("set_language"), {"language": "nb", "next": path})
    assert html_lang(client.get(path)) == "nb"


def test_base_page_has_landmarks_skip_link_and_norwegian_text(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<a class="skip-link" href="#main">Hopp til hovedinnholdet</a>' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert "Logg inn" in html
