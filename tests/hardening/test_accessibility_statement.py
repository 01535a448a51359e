"""The accessibility statement (tilgjengelighetserklæring): public, in Norwegian, linked from every footer."""

import pytest

from .pages import PAGE_TYPES

pytestmark = pytest.mark.django_db


def test_accessibility_statement_is_public_and_norwegian(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "uu@kommune.example"
    response = client.get("/tilgjengelighet/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Tilgjengelighetserklæring</h1>" in page
    assert "WCAG 2.1 på nivå A og AA" in page
    assert "200 % uten at innhold går tapt" in page
    assert 'href="mailto:uu@kommune.example"' in page
    assert "https://www.uutilsynet.no/" in page


def test_accessibility_statement_links_the_national_register_when_configured(client, settings):
    assert "nasjonale registeret" not in client.get("/tilgjengelighet/").content.decode()
    settings.ACCESSIBILITY_STATEMENT_URL = "https://uustatus.no/nb/erklaringer/publisert/example"
    assert (
        'href="https://uustatus.no/nb/erklaringer/publisert/example"'
        in client.get("/tilgjengelighet/").content.decode()
    )


def test_accessibility_statement_refuses_post(client):
    assert client.post("/tilgjengelighet/").status_code == 405


# Django's admin has its own templates; every other page extends base.html.
SITE_PAGES = [p for p in PAGE_TYPES if p.html and not p.url.startswith("/admin/")]


@pytest.mark.parametrize("page", SITE_PAGES, ids=lambda page: page.name)
def test_every_html_page_links_the_statement_from_its_footer(request, page):
    html = request.getfixturevalue(page.client).get(page.url).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert '<a href="/tilgjengelighet/">Tilgjengelighetserklæring</a>' in footer


def test_not_found_page_is_in_norwegian_and_says_nothing_more(client):
    response = client.get("/systems/999999/finnes-ikke/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Fant ikke siden</h1>" in page
    assert "Traceback" not in page and "urlpatterns" not in page


@pytest.mark.urls("tests.hardening.urls_failing")
def test_server_error_page_is_norwegian_and_quotes_the_request_id(client):
    client.raise_request_exception = False
    response = client.get("/fail/", HTTP_X_REQUEST_ID="req-500-abcdef")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Noe gikk galt</h1>" in page
    assert "feilreferansen: <code>req-500-abcdef</code>" in page
    assert "boom" not in page and "Traceback" not in page
    assert response["X-Request-ID"] == "req-500-abcdef"
