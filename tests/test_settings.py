"""Production settings: refuse to start without a secret, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base["DJANGO_READ_DOT_ENV"] = "0"  # a developer's .env must not change the outcome
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = _run("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_with_required_environment_passes_deploy_checks():
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x7Gq2-Lm9_vR4tY8pW1zK6nB3cD5fH0jA2sE4uI7oP9qT1yX3vZ5bN8mC0",
        DJANGO_ALLOWED_HOSTS="policy-transfer.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
