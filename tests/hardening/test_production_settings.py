"""Production settings: `check --deploy` clean, HTTPS-only cookies with __Host- names, secrets from the environment."""

import re

from django.test import override_settings

from .conftest import ROOT, production_env, run_manage


def test_check_deploy_passes_with_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_production_switch():
    """The check is not vacuous: without MIGPORTAL_PRODUCTION the HTTPS settings are off and it says so."""
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(MIGPORTAL_PRODUCTION="false")
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", env=production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_settings_use_host_prefixed_secure_cookies(production_settings):
    s = production_settings
    assert s["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert s["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert s["LANGUAGE_COOKIE_NAME"].startswith("__Host-")
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["LANGUAGE_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"]
    # __Host- cookies must not carry a Domain and must have Path=/.
    assert s["SESSION_COOKIE_DOMAIN"] is None and s["CSRF_COOKIE_DOMAIN"] is None
    assert s["SESSION_COOKIE_PATH"] == "/" and s["CSRF_COOKIE_PATH"] == "/"
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["LOG_FORMAT"] == "json"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_production_cookies_are_sent_with_host_prefix_and_secure_flag(client, production_settings):
    """With the production cookie settings a browser gets __Host- cookies it will accept (Secure, Path=/)."""
    names = ["SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]
    with override_settings(**{name: production_settings[name] for name in names}):
        response = client.get("/accounts/login/", secure=True)
    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_probes_are_exempt_from_the_https_redirect(production_settings):
    exempt = [re.compile(pattern) for pattern in production_settings["SECURE_REDIRECT_EXEMPT"]]
    assert any(p.search("readyz") for p in exempt) and any(p.search("healthz") for p in exempt)
    assert not any(p.search("accounts/login/") for p in exempt)


def test_env_example_documents_every_variable_the_settings_read():
    """A variable read in settings.py but missing from .env.example is a deployment trap."""
    settings_text = (ROOT / "migportal" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_text))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    # Development-only switches and ones docker-compose.yml sets itself.
    not_for_env_file = {"DEBUG", "MIGPORTAL_VAR_DIR", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    missing = sorted(read - documented - not_for_env_file)
    assert not missing, f".env.example lacks {missing}"
