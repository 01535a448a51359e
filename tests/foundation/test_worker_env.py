"""Each pytest-xdist worker's own Redis databases and var/ folder (tests/worker_env.py)."""

from pathlib import Path

from tests.worker_env import isolate_worker, redis_url_for_worker


def test_worker_n_uses_the_redis_database_plus_n():
    assert redis_url_for_worker("redis://127.0.0.1:6379/5", 1) == "redis://127.0.0.1:6379/6"
    assert redis_url_for_worker("redis://:secret@cache:6379", 2) == "redis://:secret@cache:6379/2"
    assert redis_url_for_worker("rediss://cache:6380/0?ssl_cert_reqs=none", 1) == (
        "rediss://cache:6380/1?ssl_cert_reqs=none"
    )
    assert redis_url_for_worker("filesystem://localhost/", 1) == "filesystem://localhost/"


def test_two_workers_share_no_redis_database_and_no_var_folder():
    base = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    environments = []
    for worker in ("gw0", "gw1"):
        environ = dict(base)
        isolate_worker(environ, worker, Path("/srv/migportal"))
        environments.append(environ)
    first, second = environments

    assert (first["REDIS_URL"], second["REDIS_URL"]) == ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1")
    assert (first["NOTICE_TEST_BROKER_URL"], second["NOTICE_TEST_BROKER_URL"]) == (
        "redis://127.0.0.1:6379/5",
        "redis://127.0.0.1:6379/6",
    )
    assert first["MIGPORTAL_VAR_DIR"] == "/srv/migportal/var/test-gw0"
    assert second["MIGPORTAL_VAR_DIR"] == "/srv/migportal/var/test-gw1"
    assert "CELERY_BROKER_URL" not in second  # without its own, the broker follows REDIS_URL
