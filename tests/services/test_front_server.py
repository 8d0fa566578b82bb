"""The application behind its front server, tested from the outside: nginx (scripts/nginx.sh,
deploy/nginx/) in front of gunicorn (deploy/gunicorn_conf.py) with production settings, as
`make run-full` runs them, on ports of their own, against this run's test database.

What only shows behind the proxy: the redirect from HTTP, HSTS on HTTPS, the client address
the rate limits count by (set by nginx from the connection, whatever X-Forwarded-For the
client sends), a draft's attachment refused to a visitor and sent by nginx (X-Accel-Redirect)
to a member, and static files sent by nginx with their cache lifetimes.

Requests go through the standard library's http.client, which can pick its source address:
every 127.x.y.z address is this host, so one test plays clients at different addresses.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from practices.services import practice_attachment_add
from tests.factories import MembershipFactory, PracticeFactory
from tests.support import ROOT, service_url

pytestmark = [
    pytest.mark.frontserver,
    pytest.mark.postgres,
    pytest.mark.redis,
    # gunicorn reads what the test writes: the rows must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-strong-password-1"
# Failed sign-ins per account from one address before the next attempt waits (the production
# default is 5; fewer keeps the test short, each failure costs a real password hash).
SIGN_IN_BUDGET = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Front:
    http_port: int
    https_port: int
    app_port: int
    folder: Path
    static_root: Path
    media_root: Path

    @property
    def certificate(self) -> Path:
        return self.folder / "nginx" / "tls" / "cert.pem"

    @property
    def access_log(self) -> Path:
        return self.folder / "nginx" / "logs" / "access.log"

    def log_line(self, marker: str) -> str:
        """nginx's access-log line of the one request whose address held `marker`. nginx
        writes it once the response is sent, so it may come just after the client has read it."""
        deadline = time.monotonic() + 15
        while True:
            text = self.access_log.read_text()
            lines = [line for line in text.splitlines() if marker in line]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(lines) == 1, lines
        return lines[0]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage = field(repr=False)
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Client:
    """One browser: a source address and the cookies the site gave it."""

    front: Front = field(repr=False)
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        https: bool = True,
        port: int | None = None,
    ) -> Answer:
        connection: http.client.HTTPConnection
        if https:
            context = ssl.create_default_context(cafile=str(self.front.certificate))
            connection = http.client.HTTPSConnection(
                "127.0.0.1",
                port or self.front.https_port,
                context=context,
                source_address=(self.source, 0),
                timeout=60,
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1",
                port or self.front.http_port,
                source_address=(self.source, 0),
                timeout=60,
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for value in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def sign_in(self, email: str, password: str, *, headers: dict[str, str] | None = None):
        """The sign-in page's form, as a browser fills it (CSRF token, Origin, Referer)."""
        page = self.get("/en/accounts/login/")
        assert page.status == 200, page.status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert token is not None
        origin = f"https://127.0.0.1:{self.front.https_port}"
        return self.request(
            "POST",
            "/en/accounts/login/",
            body=urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1).decode(),
                    "username": email,
                    "password": password,
                }
            ).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/en/accounts/login/",
                **(headers or {}),
            },
        )


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def front(django_db_setup) -> Iterator[Front]:
    from django.db import connection

    # Outside pytest's own temporary folders (private to root): nginx's workers run as
    # www-data and must read the static and media folders.
    folder = Path(tempfile.mkdtemp(prefix="pt-front-test-"))
    folder.chmod(0o755)
    front = Front(
        http_port=_free_port(),
        https_port=_free_port(),
        app_port=_free_port(),
        folder=folder,
        static_root=folder / "static",
        media_root=folder / "media",
    )
    front.media_root.mkdir(mode=0o755)
    database = connection.settings_dict
    # The rate limits' counters, in a Redis database of this pytest-xdist worker's own (gw0: 3,
    # gw1: 4...), emptied first: a rerun within the limits' window starts from nothing.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    cache_url = service_url("redis").rsplit("/", 1)[0] + f"/{3 + worker % 12}"
    redis.Redis.from_url(cache_url).flushdb()
    env = {
        # Production settings, as scripts/run-full.sh sets them: nothing from the checkout's
        # .env, nor a developer's exported DJANGO_* variable.
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_READ_DOT_ENV": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_BEHIND_PROXY": "1",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}"
        ),
        "DJANGO_CACHE_URL": cache_url,
        "ELASTICSEARCH_URL": "",
        "CELERY_BROKER_URL": "",
        "EMAIL_URL": "consolemail://",
        "ATTACHMENT_ACCEL_REDIRECT": "/protected-media/",
        "DJANGO_STATIC_ROOT": str(front.static_root),
        "DJANGO_MEDIA_ROOT": str(front.media_root),
        "RATELIMIT_LOGIN_PER_ACCOUNT": f"{SIGN_IN_BUDGET}/10m",
        "GUNICORN_PORT": str(front.app_port),
        "GUNICORN_WORKERS": "2",
        "NGINX_HTTP_PORT": str(front.http_port),
        "NGINX_HTTPS_PORT": str(front.https_port),
        "NGINX_DIR": str(folder / "nginx"),
    }
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    gunicorn_log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn_conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=gunicorn_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _run([str(ROOT / "scripts" / "nginx.sh"), "up"], env)
        deadline = time.monotonic() + 90
        while True:
            try:
                if Client(front).get("/en/accounts/login/").status == 200:
                    break
            except OSError:
                pass
            assert gunicorn.poll() is None, (folder / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, (folder / "gunicorn.log").read_text()
            time.sleep(0.5)
        yield front
    finally:
        subprocess.run([str(ROOT / "scripts" / "nginx.sh"), "down"], cwd=ROOT, env=env)
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        gunicorn_log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _member(**kwargs):
    """A practitioner of a city, whose password gunicorn can check (the tests' own hasher,
    MD5, is not among the production settings' hashers)."""
    membership = MembershipFactory(**kwargs)
    user = membership.user
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return membership


def test_plain_http_only_redirects_to_the_same_address_over_https(front):
    answer = Client(front).get("/en/practices/?q=water&page=2", https=False)

    assert answer.status == 301
    assert answer.header("Location") == (
        f"https://127.0.0.1:{front.https_port}/en/practices/?q=water&page=2"
    )
    # nothing of the application crossed in clear: no cookie, no HSTS (meaningless over HTTP)
    assert answer.header("Set-Cookie") is None
    assert answer.header("Strict-Transport-Security") is None
    assert "upstream=- " in front.log_line("q=water&page=2")


def test_https_pages_carry_hsts_and_know_they_are_secure(front):
    answer = Client(front).get("/en/accounts/login/")

    assert answer.status == 200
    # the production defaults of config/settings.py, sent once (by the application only)
    assert answer.headers.get_all("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains; preload"
    ]
    # Django saw HTTPS (X-Forwarded-Proto from nginx): no redirect loop, secure cookies
    assert "Secure" in (answer.header("Set-Cookie") or "")


def test_the_client_address_is_the_connections_whatever_x_forwarded_for_says(front):
    """Failed sign-ins count per account and client address (accounts/ratelimits.py). A
    forged X-Forwarded-For, new on every attempt, must not buy a new budget, and another
    machine (another source address, the same forged header) must keep its own."""
    account = f"someone-{uuid.uuid4().hex[:8]}@example.org"
    guesser = Client(front, source="127.0.0.2")
    for attempt in range(SIGN_IN_BUDGET):
        answer = guesser.sign_in(
            account, "wrong", headers={"X-Forwarded-For": f"203.0.113.{attempt}"}
        )
        assert answer.status == 200  # the form again, with its error

    refused = guesser.sign_in(account, "wrong", headers={"X-Forwarded-For": "198.51.100.7"})
    assert refused.status == 429

    elsewhere = Client(front, source="127.0.0.3").sign_in(
        account, "wrong", headers={"X-Forwarded-For": "203.0.113.0"}
    )
    assert elsewhere.status == 200


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_drafts_attachment_is_refused_to_a_visitor_and_sent_by_nginx_to_a_member(front, settings):
    settings.MEDIA_ROOT = front.media_root
    membership = _member()
    draft = PracticeFactory(city=membership.city, review_state="draft", published_at=None)
    content = _png()
    attachment = practice_attachment_add(
        practice=draft,
        by=membership.user,
        upload=SimpleUploadedFile("plan.png", content),
        title="",
    )
    address = f"/attachments/{attachment.pk}/"

    visitor = Client(front).get(address)
    assert visitor.status == 404
    assert content not in visitor.body
    # the file's own place is not an address either: internal to nginx, and no /media/
    for path in (f"/protected-media/{attachment.file.name}", f"/media/{attachment.file.name}"):
        assert Client(front).get(path).status == 404

    member = Client(front, source="127.0.0.4")
    assert member.sign_in(membership.user.email, PASSWORD).status == 302
    probe = uuid.uuid4().hex
    sent = member.get(f"{address}?probe={probe}")
    assert sent.status == 200
    assert sent.body == content
    assert sent.header("Content-Type") == "image/png"
    assert sent.header("Cache-Control") == "private, no-cache"
    assert sent.header("X-Accel-Redirect") is None
    # the application was asked (it decides) ...
    assert f"upstream=127.0.0.1:{front.app_port} upstream_status=200" in front.log_line(probe)
    # ... and answered with no bytes but the file's internal address, which nginx followed
    straight = member.get(
        address,
        https=False,
        port=front.app_port,
        headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"},
    )
    assert straight.status == 200
    assert straight.body == b""
    assert straight.header("X-Accel-Redirect") == f"/protected-media/{attachment.file.name}"


def test_static_files_are_sent_by_nginx_with_cache_lifetimes(front):
    page = Client(front).get("/en/accounts/login/")
    hashed = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.body)
    assert hashed is not None, "the pages link the hashed names of collectstatic's manifest"
    name = hashed.group(1).decode()
    probe = uuid.uuid4().hex

    answer = Client(front).get(f"{name}?probe={probe}")
    assert answer.status == 200
    assert answer.body == (front.static_root / name.removeprefix("/static/")).read_bytes()
    assert answer.header("Content-Type") == "text/css"
    assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert "upstream=- " in front.log_line(probe)  # the application was not asked

    compressed = Client(front).get(name, headers={"Accept-Encoding": "gzip"})
    assert compressed.header("Content-Encoding") == "gzip"
    assert compressed.header("Vary") == "Accept-Encoding"
    # a name without the hash may change with the next release
    plain = Client(front).get("/static/css/site.css")
    assert plain.header("Cache-Control") == "public, max-age=3600"
    assert Client(front).get("/static/css/no-such-file.css").status == 404
