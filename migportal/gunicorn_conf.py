"""gunicorn settings for the web container, from the environment (`--config python:migportal.gunicorn_conf`)."""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container, behind the proxy
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# One access line per request comes from ops.middleware (JSON, with the request id); gunicorn logs only errors.
accesslog = None
errorlog = "-"
# Trust X-Forwarded-* only from the proxy's addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
