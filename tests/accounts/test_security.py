"""Sign-in and password reset: rate limits, no user enumeration, the reset itself; the CSP."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.RATELIMIT_LOGIN_PER_ACCOUNT = "3/10m"
    settings.RATELIMIT_LOGIN_PER_IP = "20/10m"
    settings.RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES = "20/h"
    settings.RATELIMIT_RESET_PER_ACCOUNT = "2/h"
    settings.RATELIMIT_RESET_PER_IP = "20/h"


def _login(client, email, password="wrong"):  # noqa: S107
    return client.post(reverse("login"), {"username": email, "password": password})


def test_sign_in_works_and_redirects(client):
    UserFactory(email="ana@example.org")
    response = _login(client, "ana@example.org", "a-strong-password-1")
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_wrong_password_and_unknown_account_get_the_same_answer(client):
    UserFactory(email="ana@example.org")
    known = _login(client, "ana@example.org").content.decode()
    unknown = _login(client, "nobody@example.org").content.decode()

    def strip(page):
        # Only the CSRF token and the echoed address differ.
        page = re.sub(r'value="[^"]*"', 'value=""', page)
        return page.replace("ana@example.org", "X").replace("nobody@example.org", "X")

    assert strip(known) == strip(unknown)


def test_sign_in_is_limited_per_account_whether_it_exists_or_not(client, tight_limits):
    UserFactory(email="ana@example.org")
    for email in ("ana@example.org", "nobody@example.org"):
        statuses = [_login(client, email).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429], email
    # Even the right password waits once the account is limited.
    assert _login(client, "ana@example.org", "a-strong-password-1").status_code == 429


def test_sign_in_is_limited_per_address(client, tight_limits, settings):
    settings.RATELIMIT_LOGIN_PER_IP = "5/10m"
    statuses = [_login(client, f"user{i}@example.org").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    other = client.post(
        reverse("login"),
        {"username": "user9@example.org", "password": "x"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 200


def test_password_reset_does_not_reveal_accounts(client):
    UserFactory(email="ana@example.org")
    known = client.post(reverse("password_reset"), {"email": "ana@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]


def test_password_reset_is_limited(client, tight_limits):
    UserFactory(email="ana@example.org")
    for email in ("ana@example.org", "nobody@example.org"):
        statuses = [
            client.post(reverse("password_reset"), {"email": email}).status_code for _ in range(3)
        ]
        assert statuses == [302, 302, 429], email
    assert len(mail.outbox) == 2


def test_password_reset_link_sets_a_new_password(client):
    UserFactory(email="ana@example.org")
    client.post(reverse("password_reset"), {"email": "ana@example.org"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-Strong-pass-7", "new_password2": "another-Strong-pass-7"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert client.login(email="ana@example.org", password="another-Strong-pass-7")
    assert b"not valid" in client.get(link, follow=True).content


def test_every_page_carries_a_csp_without_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_forms_carry_a_csrf_token(client):
    UserFactory(email="ana@example.org")
    for name in ("login", "password_reset"):
        assert b'name="csrfmiddlewaretoken"' in client.get(reverse(name)).content
    strict = type(client)(enforce_csrf_checks=True)
    assert strict.post(reverse("login"), {"username": "a", "password": "b"}).status_code == 403


# -- issue 14, items 1 and 11: the client address, and a sign-in policy strangers cannot abuse --

PROXY = "10.0.0.1"  # the nginx in front, as gunicorn sees it


def _from(client, address, proxies, email, password="wrong", spoofed="203.0.113.1"):  # noqa: S107
    """A sign-in from the client `address`, through `proxies` trusted proxies; the client also
    sends an X-Forwarded-For of its own (`spoofed`), which it may change at every request."""
    if proxies == 0:
        extra = {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": spoofed}
    else:
        extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{spoofed}, {address}"}
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


@pytest.mark.parametrize("proxies", [0, 1])
def test_rotating_the_forwarded_header_does_not_reset_any_sign_in_limit(
    client, tight_limits, settings, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.RATELIMIT_LOGIN_PER_IP = "5/10m"
    UserFactory(email="ana@example.org")
    # per account and address
    codes = [
        _from(
            client, "198.51.100.7", proxies, "ana@example.org", spoofed=f"192.0.2.{i}"
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    # per address, whatever the account
    codes = [
        _from(
            client, "198.51.100.8", proxies, f"u{i}@example.org", spoofed=f"192.0.2.{i}"
        ).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]
    # another client (behind the same proxy, when there is one) keeps its own budget
    assert _from(client, "198.51.100.9", proxies, "u1@example.org").status_code == 200


def test_only_failures_count_so_a_workshop_behind_one_address_signs_in(client, settings):
    settings.RATELIMIT_LOGIN_PER_IP = "5/10m"
    settings.RATELIMIT_LOGIN_PER_ACCOUNT = "2/10m"
    people = [UserFactory(email=f"trainee{i}@example.org") for i in range(30)]
    for person in people:
        response = _login(client, person.email, "a-strong-password-1")
        assert response.status_code == 302, person.email
        client.logout()
    # the same account, again and again, from the same office
    for _ in range(10):
        assert _login(client, "trainee0@example.org", "a-strong-password-1").status_code == 302
        client.logout()


def test_a_success_clears_the_failures_of_that_account_from_that_address(client, tight_limits):
    UserFactory(email="ana@example.org")
    assert [_login(client, "ana@example.org").status_code for _ in range(2)] == [200, 200]
    assert _login(client, "ana@example.org", "a-strong-password-1").status_code == 302
    client.logout()
    statuses = [_login(client, "ana@example.org").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_stranger_cannot_lock_the_owner_out(client, tight_limits, settings):
    settings.RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES = "10/h"
    UserFactory(email="ana@example.org")
    home = "198.51.100.20"
    assert _from(client, home, 0, "ana@example.org", "a-strong-password-1").status_code == 302
    client.logout()
    # A stranger guesses from many addresses, past every per-account limit.
    codes = [
        _from(client, f"203.0.113.{i // 3}", 0, "ana@example.org").status_code for i in range(30)
    ]
    assert codes.count(429) >= 15
    assert _from(client, "203.0.113.99", 0, "ana@example.org").status_code == 429
    # The owner, from where she signed in before, is let in with her password...
    assert _from(client, home, 0, "ana@example.org", "a-strong-password-1").status_code == 302
    client.logout()
    # ...and a wrong password there is still refused like any other.
    assert _from(client, home, 0, "ana@example.org").status_code == 200


def test_the_admin_signs_in_through_the_limited_sign_in_page(client):
    """The admin's own sign-in form had no limit at all (helper's note on issue 14, item 1):
    it now sends people to the site's sign-in page, which applies accounts.ratelimits."""
    user = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    user.set_password("a long passphrase")
    user.save()
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response["Location"].startswith("/fr/accounts/login/?next=")
    # The admin's form no longer signs anyone in, right password or not.
    posted = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff@example.org", "password": "a long passphrase"},
    )
    assert posted.status_code in (302, 405)
    assert client.get("/admin/").status_code == 302
    signed_in = client.post(
        response["Location"], {"username": "staff@example.org", "password": "a long passphrase"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
