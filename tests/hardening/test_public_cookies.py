"""No cookie on any public page, 404s and 400s included, with the production cookie settings."""

import pytest

from .sample_data import build_snapshot

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/dashboard/2026/47/",
    "/dashboard/2026/47.json",
    "/dashboard.json",
    "/dashboard/history.csv",
    "/tilgjengelighet/",
    "/portal/login/sent/",
    # Not found / bad requests: the error pages are public pages too.
    "/dashboard/1999/60/",
    "/dashboard/2026/1/",
    "/dashboard/finnes-ikke/",
    "/finnes-ikke/",
    "/portal/feeds/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/calendar.ics",
    "/portal/feeds/%00/notices.atom",
    "/?q=%00",
]


@pytest.fixture
def production_cookies(settings, production_settings):
    for name in ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "LANGUAGE_COOKIE_NAME", "SESSION_COOKIE_SECURE",
                 "CSRF_COOKIE_SECURE", "SESSION_ENGINE"):  # fmt: skip
        setattr(settings, name, production_settings[name])


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_set_no_cookie(client, production_cookies, url):
    build_snapshot(iso_year=2026, iso_week=47)
    response = client.get(url, secure=True)
    assert response.status_code < 500
    assert "Set-Cookie" not in response.headers and not response.cookies, (url, response.status_code)


def test_the_language_switch_of_a_public_error_page_works_without_a_cookie(client, production_cookies):
    page = client.get("/finnes-ikke/", secure=True).content.decode()
    assert 'action="/dashboard/language/"' in page and "csrfmiddlewaretoken" not in page
    choice = {"language": "en", "next": "/finnes-ikke/"}
    answer = client.post("/dashboard/language/", choice, secure=True, HTTP_SEC_FETCH_SITE="same-origin")
    assert answer.status_code == 302 and answer["Location"] == "/finnes-ikke/"


def test_logged_in_users_keep_the_csrf_protected_language_form(editor_client):
    page = editor_client.get("/finnes-ikke/").content.decode()
    assert 'action="/i18n/setlang/"' in page and "csrfmiddlewaretoken" in page
