"""docker-compose.yml and the Dockerfile, checked without an engine: the production services."""

import re

import pytest
import yaml

from .conftest import ROOT


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ["web", "worker", "beat"]


def test_compose_has_the_production_services(compose):
    assert {"web", "worker", "beat", "migrate", "postgres", "redis"} <= set(compose["services"])
    # Pinned major versions (a rebuild never jumps one), PostgreSQL one that Django 5.2 supports (14 or later).
    postgres, redis = (compose["services"][name]["image"].split(":") for name in ("postgres", "redis"))
    assert postgres[0] == "postgres" and int(postgres[1].split(".")[0]) >= 14
    assert redis[0] == "redis" and redis[1].split(".")[0].isdigit()


def test_compose_web_runs_gunicorn_and_checks_readyz(compose):
    web = compose["services"]["web"]
    assert web["command"][0] == "gunicorn"
    assert web["healthcheck"]["test"] == ["CMD", "python", "-m", "ops.probe", "/readyz"]


@pytest.mark.parametrize("name", ["web", "worker", "beat", "postgres", "redis"])
def test_compose_every_long_running_service_has_a_healthcheck_and_restarts(compose, name):
    service = compose["services"][name]
    assert service["healthcheck"]["test"] and not service["healthcheck"].get("disable")
    assert service["restart"] == "unless-stopped"


def test_compose_redis_keeps_an_append_only_file_on_a_named_volume(compose):
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "redis-data:/data" in redis["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_wait_for_healthy_dependencies_and_migrations(compose, name):
    depends = compose["services"][name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_configuration_comes_only_from_the_environment(compose, name):
    service = compose["services"][name]
    assert service["env_file"] == ".env"
    assert service["environment"]["MIGPORTAL_PRODUCTION"] == "true"
    for value in service["environment"].values():
        # Secrets are interpolated from .env, never written here.
        assert not re.search(r"(?i)(password|secret)=?\w", str(value).replace("${POSTGRES_PASSWORD", ""))


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "var"} <= set(ignored)


def test_dockerfile_runs_as_unprivileged_user_with_collected_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER migportal" in dockerfile
    assert "collectstatic" in dockerfile
    assert "MIGPORTAL_PRODUCTION=true" in dockerfile


def test_every_variable_compose_interpolates_is_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert sorted(used - documented - {"MIGPORTAL_IMAGE"}) == []
