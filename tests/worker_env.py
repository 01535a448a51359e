"""Each pytest-xdist worker's own services, set before Django reads its settings (addopts: `-p tests.worker_env`).

Worker N (`gwN`) uses the Redis database of REDIS_URL plus N (cache, sessions, throttles and, without its own
CELERY_BROKER_URL, the Celery broker), that of NOTICE_TEST_BROKER_URL plus N (the notice tests' real worker) and
its own var/ folder (the filesystem Celery transport without Redis): a test that empties the cache or purges a
queue touches its own worker's only. Without xdist nothing changes. PostgreSQL databases are already one per
worker (pytest-django appends `_gwN`), and live servers, SMTP and HTTP test servers take a free port each.
"""

import os
import re
from pathlib import Path

#: The notice tests' broker when NOTICE_TEST_BROKER_URL is not set (tests/notices/conftest.py).
DEFAULT_TEST_BROKER_URL = "redis://127.0.0.1:6379/5"

_REDIS_DB = re.compile(r"^(?P<server>rediss?://[^/?#]*)(?:/(?P<db>\d*))?(?P<rest>[?#].*)?$")


def redis_url_for_worker(url: str, index: int) -> str:
    """`url` with its database number raised by `index` (no number means database 0)."""
    match = _REDIS_DB.match(url)
    if match is None:
        return url
    db = int(match["db"] or 0) + index
    return f"{match['server']}/{db}{match['rest'] or ''}"


def isolate_worker(environ, worker: str, root: Path) -> None:
    index = int(worker.removeprefix("gw"))
    environ.setdefault("NOTICE_TEST_BROKER_URL", DEFAULT_TEST_BROKER_URL)
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "NOTICE_TEST_BROKER_URL"):
        if environ.get(name):
            environ[name] = redis_url_for_worker(environ[name], index)
    if not environ.get("MIGPORTAL_VAR_DIR"):
        environ["MIGPORTAL_VAR_DIR"] = str(root / "var" / f"test-{worker}")


if os.environ.get("PYTEST_XDIST_WORKER"):
    isolate_worker(os.environ, os.environ["PYTEST_XDIST_WORKER"], Path(__file__).resolve().parents[1])
