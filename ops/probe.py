"""Health probe for container health checks: `python -m ops.probe /readyz`.

Standard library only (no Django start-up): GETs the path on the local web server with a Host header
from ALLOWED_HOSTS and `X-Forwarded-Proto: https` (as the TLS proxy would send), and exits 0 on 200.
"""

import os
import sys
import urllib.error
import urllib.request


def probe(path: str, *, base_url: str, host: str, timeout: float = 5.0) -> int:
    url = base_url.rstrip("/") + path
    headers = {"Host": host, "X-Forwarded-Proto": "https"}
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - local URL from env
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local URL from env
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"probe {path}: {exc}", file=sys.stderr)
        return 1


def _host_from_env() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/readyz"
    base_url = os.environ.get("PROBE_BASE_URL", "http://127.0.0.1:8000")
    return probe(path, base_url=base_url, host=_host_from_env())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
