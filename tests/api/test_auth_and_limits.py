"""Personal tokens, sign-in for a token, rate limits and the error shape of each failure."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_create
from tests.factories import UserFactory
from tests.support import service_url

pytestmark = pytest.mark.django_db


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code, body
    return body


@pytest.fixture
def ana():
    user = UserFactory(email="ana@example.org")
    user.set_password("a long passphrase")
    user.save()
    return user


def test_password_for_token_then_use_list_and_revoke(ana):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"email": "ana@example.org", "password": "a long passphrase", "name": "open data sync"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["token"]
    assert key.startswith("pt_") and len(key) > 40
    assert body["name"] == "open data sync"

    stored = ApiToken.objects.get(pk=body["id"])
    assert key not in (stored.digest, stored.prefix)  # only a digest and a prefix are kept
    assert key.startswith(stored.prefix)

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/me/").json()["email"] == "ana@example.org"
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert [t["id"] for t in listed] == [stored.pk]
    assert "token" not in listed[0]

    other = client.post("/api/v1/auth/tokens/", {"name": "second"})
    assert other.status_code == 201
    assert client.delete(f"/api/v1/auth/tokens/{stored.pk}/").status_code == 204
    _error(client.get("/api/v1/me/"), 401, "authentication_failed")

    client.credentials(HTTP_AUTHORIZATION=f"Token {other.json()['token']}")
    assert client.get("/api/v1/me/").status_code == 200


def test_wrong_password_and_unknown_address_answer_the_same(ana):
    client = APIClient()
    wrong = client.post(
        "/api/v1/auth/token/", {"email": "ana@example.org", "password": "not it"}
    ).json()
    unknown = client.post(
        "/api/v1/auth/token/", {"email": "nobody@example.org", "password": "not it"}
    ).json()
    assert wrong == unknown
    assert wrong["code"] == "invalid"
    ana.is_active = False
    ana.save()
    disabled = client.post(
        "/api/v1/auth/token/", {"email": "ana@example.org", "password": "a long passphrase"}
    ).json()
    assert disabled == unknown
    assert ApiToken.objects.count() == 0


def test_another_users_token_cannot_be_revoked(ana):
    theirs, _key = token_create(user=UserFactory(), name="theirs")
    _mine, key = token_create(user=ana, name="mine")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    _error(client.delete(f"/api/v1/auth/tokens/{theirs.pk}/"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_expired_and_malformed_tokens(ana):
    token, key = token_create(user=ana, name="short", expires_in_days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _error(client.get("/api/v1/me/"), 401, "authentication_failed")
    for header in ("Bearer", "Bearer a b", "Bearer pt_nothing", "Token \u00e9\u00e9"):
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/me/")
        _error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == "Token"


def test_token_requests_are_validated(ana):
    _token, key = token_create(user=ana, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = _error(client.post("/api/v1/auth/tokens/", {"name": "  "}), 400, "invalid")
    assert "name" in body["errors"]
    body = _error(
        client.post("/api/v1/auth/tokens/", {"name": "y", "expires_in_days": 0}), 400, "invalid"
    )
    assert "expires_in_days" in body["errors"]
    body = _error(
        APIClient().post("/api/v1/auth/token/", {"email": "not an address"}), 400, "invalid"
    )
    assert {"email", "password"} <= set(body["errors"])


def test_anonymous_writes_are_401_with_a_challenge():
    response = APIClient().post("/api/v1/auth/tokens/", {"name": "x"})
    _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.fixture
def redis_throttle(settings):
    """Rate-limit counters in the real Redis (as in production: DJANGO_CACHE_URL), in a
    database and under a key prefix of this test's own."""
    base = service_url("redis").rsplit("/", 1)[0]
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{base}/15",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
    }
    return settings


@pytest.mark.redis
def test_sign_in_is_rate_limited_per_client(ana, redis_throttle):
    redis_throttle.RATELIMIT_LOGIN_PER_ACCOUNT = "3/10m"
    client = APIClient()
    for _ in range(3):
        response = client.post("/api/v1/auth/token/", {"email": "ana@example.org", "password": "x"})
        assert response.status_code == 400
    # the right password does not help once the limit is reached
    response = client.post(
        "/api/v1/auth/token/", {"email": "ana@example.org", "password": "a long passphrase"}
    )
    body = _error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 601
    assert "seconds" in body["detail"]
    assert ApiToken.objects.count() == 0


@pytest.mark.redis
def test_anonymous_and_user_rates(ana, redis_throttle):
    redis_throttle.API_THROTTLE_RATES = {"anon": "2/min", "user": "4/min", "login": None}
    anonymous = APIClient()
    assert [anonymous.get("/api/v1/taxonomy/").status_code for _ in range(3)] == [200, 200, 429]
    _token, key = token_create(user=ana, name="x")
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    codes = [signed_in.get("/api/v1/taxonomy/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]


def _token_for(password="a long passphrase"):  # noqa: S107 (a test account)
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"email": "ana@example.org", "password": password, "name": "sync"}
    )
    assert response.status_code == 201, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").status_code == 200
    return client


def test_a_password_reset_revokes_every_api_token(ana, client):
    """Issue 14, item 7: the old token kept working after a reset through the mailed link."""
    import re

    from django.core import mail
    from django.urls import reverse

    first, second = _token_for(), _token_for()
    client.post(reverse("password_reset"), {"email": "ana@example.org"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-Strong-pass-7", "new_password2": "another-Strong-pass-7"},
    )
    assert done.status_code == 302
    for old in (first, second):
        _error(old.get("/api/v1/me/"), 401, "authentication_failed")
    assert not ApiToken.objects.filter(user=ana, revoked_at=None).exists()
    # The new password makes new tokens that work.
    _token_for("another-Strong-pass-7")


def test_any_password_change_revokes_tokens_and_sign_ins_do_not(ana):
    client = _token_for()
    ana.refresh_from_db()
    ana.last_login = timezone.now()
    ana.save(update_fields=["last_login"])  # what each sign-in saves
    ana.first_name = "Ana"
    ana.save()  # a profile edit, password unchanged
    assert client.get("/api/v1/me/").status_code == 200
    ana.set_password("yet another passphrase")
    ana.save()  # the admin and `changepassword` end this way
    _error(client.get("/api/v1/me/"), 401, "authentication_failed")


# -- issue 14, items 1 and 11: the client address, per-account limits, failures only ----------

PROXY = "10.0.0.1"


def _via(proxies, address, spoofed):
    """Request headers of a client at `address` behind `proxies` trusted proxies, which also
    sends an X-Forwarded-For of its own (`spoofed`)."""
    if proxies == 0:
        return {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": spoofed}
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{spoofed}, {address}"}


def _sign_in(client, password="wrong", email="ana@example.org", **extra):  # noqa: S107
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, **extra)


@pytest.mark.redis
@pytest.mark.parametrize("proxies", [0, 1])
def test_rotating_the_forwarded_header_does_not_reset_the_api_limits(ana, redis_throttle, proxies):
    redis_throttle.TRUSTED_PROXY_COUNT = proxies
    redis_throttle.API_THROTTLE_RATES = {"anon": "3/min", "user": None}
    client = APIClient()
    codes = [
        client.get("/api/v1/taxonomy/", **_via(proxies, "198.51.100.7", f"192.0.2.{i}")).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    # another client keeps its own budget
    assert client.get("/api/v1/taxonomy/", **_via(proxies, "198.51.100.8", "x")).status_code == 200

    redis_throttle.API_THROTTLE_RATES = {"anon": None, "user": None}
    redis_throttle.RATELIMIT_LOGIN_PER_ACCOUNT = "3/10m"
    codes = [
        _sign_in(client, **_via(proxies, "198.51.100.9", f"192.0.2.{i}")).status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    assert (
        _sign_in(
            client, "a long passphrase", **_via(proxies, "198.51.100.9", "192.0.2.200")
        ).status_code
        == 429
    )


@pytest.mark.redis
def test_the_token_endpoint_refuses_past_the_per_account_limit(ana, redis_throttle):
    """Guesses spread over many addresses stop at the per-account limit."""
    redis_throttle.RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES = "5/h"
    client = APIClient()
    codes = [_sign_in(client, REMOTE_ADDR=f"203.0.113.{i}").status_code for i in range(7)]
    assert codes == [400] * 5 + [429] * 2
    response = _sign_in(client, "a long passphrase", REMOTE_ADDR="203.0.113.50")
    _error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert ApiToken.objects.count() == 0


@pytest.mark.redis
def test_the_owner_signs_in_while_a_stranger_hammers_the_account(ana, redis_throttle):
    redis_throttle.RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES = "5/h"
    client = APIClient()
    home = {"REMOTE_ADDR": "198.51.100.20"}
    assert _sign_in(client, "a long passphrase", **home).status_code == 201
    stranger = [_sign_in(client, REMOTE_ADDR=f"203.0.113.{i % 4}").status_code for i in range(40)]
    assert stranger.count(429) >= 30
    assert _sign_in(client, "a long passphrase", **home).status_code == 201
    assert ApiToken.objects.filter(user=ana).count() == 2


@pytest.mark.redis
def test_thirty_sign_ins_from_one_address_are_not_refused(redis_throttle):
    redis_throttle.RATELIMIT_LOGIN_PER_IP = "10/10m"
    redis_throttle.RATELIMIT_LOGIN_PER_ACCOUNT = "3/10m"
    client = APIClient()
    for i in range(30):
        user = UserFactory(email=f"trainee{i}@example.org")
        response = _sign_in(client, "a-strong-password-1", email=user.email)
        assert response.status_code == 201, (i, response.content)
    for _ in range(5):
        assert (
            _sign_in(client, "a-strong-password-1", email="trainee0@example.org").status_code == 201
        )
