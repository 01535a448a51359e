"""Security headers on every page type: CSP, framing, sniffing, referrer, opener policy, request id."""

import pytest

from .pages import PAGE_TYPES

pytestmark = pytest.mark.django_db


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("page", PAGE_TYPES, ids=lambda page: page.name)
def test_every_page_type_sends_the_security_headers(request, page):
    client = request.getfixturevalue(page.client)
    response = client.get(page.url)
    assert response.status_code in (200, 404), (page.url, response.status_code)

    csp = _csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no nonce needed
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert len(response["X-Request-ID"]) >= 16


@pytest.mark.parametrize("page", [p for p in PAGE_TYPES if p.html], ids=lambda page: page.name)
def test_every_html_page_has_no_inline_script_or_style_attribute(request, page):
    """The CSP forbids them; a page that still had one would be broken in the browser."""
    from .html_checks import inline_code

    response = request.getfixturevalue(page.client).get(page.url)
    assert inline_code(response.content.decode()) == []


def test_hsts_is_sent_over_https_in_production(client, settings, production_settings):
    for name in ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"]:
        setattr(settings, name, production_settings[name])
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https_in_production(client, settings, production_settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = production_settings["SECURE_REDIRECT_EXEMPT"]
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    # The container health checks speak plain HTTP and must not be redirected.
    assert client.get("/healthz").status_code == 200
