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
    result = _run("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_per_process_cache():
    # Rate limits counted in each worker's own memory would not limit anything.
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_CACHE_URL"}
    result = _run("check", "--deploy", **env)
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stderr


def test_a_rotated_secret_key_still_accepts_what_the_previous_one_signed():
    from django.core import signing

    previous = "p2Wq8-Zr4_kT9vB1nM6xC3jH7fL0dS5aG2uY8eR4iO1wQ9tE3yU6oP0zX7cV"
    signed = signing.dumps("still signed in", key=previous)
    read = f"from django.core import signing; print(signing.loads({signed!r}))"

    rotated = _run(
        "shell", "-v", "0", "-c", read, **PRODUCTION, DJANGO_SECRET_KEY_FALLBACKS=previous
    )
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip() == "still signed in"
    forgotten = _run("shell", "-v", "0", "-c", read, **PRODUCTION)
    assert forgotten.returncode != 0
    assert "BadSignature" in forgotten.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7Gq2-Lm9_vR4tY8pW1zK6nB3cD5fH0jA2sE4uI7oP9qT1yX3vZ5bN8mC0",
    "DJANGO_ALLOWED_HOSTS": "policy-transfer.example.org",
    # Rate limits need a cache shared by the workers; nothing connects to it during the check.
    "DJANGO_CACHE_URL": "redis://127.0.0.1:6379/1",
    "DATABASE_URL": "sqlite://:memory:",
}

# Runs in a production-settings process: fetch the sign-in page over HTTPS and over HTTP, and
# print what the browser would receive.
_HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="policy-transfer.example.org")
secure = client.get("/en/accounts/login/", secure=True)
plain = client.get("/en/accounts/login/")
cookie = secure.cookies["csrftoken"]
from django.conf import settings
print(json.dumps({
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "csrf_cookie": {"secure": bool(cookie["secure"]), "samesite": cookie["samesite"]},
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "language_cookie_secure": settings.LANGUAGE_COOKIE_SECURE,
    "plain": [plain.status_code, plain.headers.get("Location", "")],
}))
"""


def test_production_response_headers(tmp_path):
    import json

    static = tmp_path / "static"
    env = {**PRODUCTION, "DJANGO_STATIC_ROOT": str(static)}
    collected = _run("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", _HEADERS_SCRIPT],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert seen["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert seen["session_cookie_secure"] and seen["session_cookie_httponly"]
    assert seen["language_cookie_secure"]
    # Plain HTTP is sent to HTTPS.
    assert seen["plain"] == [301, "https://policy-transfer.example.org/en/accounts/login/"]
