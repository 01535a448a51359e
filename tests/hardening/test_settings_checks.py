"""Settings that would fail silently are checked when the settings load: the webhook signing secret's form,
and a `filemail://` e-mail URL writes where it says."""

import base64
import random
import subprocess
import sys

import pytest

from ops.webhook_secret import webhook_secret_problem

from .conftest import ROOT, production_env, run_manage


def _secret(size: int, *, seed: int = 7) -> str:
    """A secret of `size` bytes, the same at every collection: it names a test (pytest-xdist's workers must
    collect the same tests)."""
    return "whsec_" + base64.b64encode(random.Random(seed).randbytes(size)).decode()


@pytest.mark.parametrize("size", [24, 32, 64])
def test_a_standard_webhooks_secret_is_accepted(size):
    assert webhook_secret_problem(_secret(size)) is None


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 'must start with "whsec_"'),
        ("whsec_not base64!", "followed by base64"),
        ("whsec_abc", "followed by base64"),
        (_secret(16), "24–64 random bytes after whsec_, not 16"),
        (_secret(65), "not 65"),
    ],
)
def test_a_malformed_secret_is_named(secret, problem):
    assert problem in webhook_secret_problem(secret)


def test_start_up_fails_with_a_clear_error_on_a_malformed_secret():
    env = production_env(PORTAL_WEBHOOK_URL="https://kundeportal.example/hooks", PORTAL_WEBHOOK_SECRET="whsec_abc")
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert 'PORTAL_WEBHOOK_SECRET must be "whsec_" followed by base64' in result.stderr
    env["PORTAL_WEBHOOK_SECRET"] = _secret(32)
    assert run_manage("check", env=env).returncode == 0


def test_filemail_url_writes_to_the_directory_it_names(tmp_path):
    target = tmp_path / "mail"
    script = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_FILE_PATH)"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(EMAIL_URL=f"filemail://{target}", DJANGO_SETTINGS_MODULE="migportal.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(target)
