"""Rate limits on the two forms an attacker can hammer without an account: sign-in and password
reset. Counted with django-ratelimit in the shared cache, per client address and per e-mail
address tried, so neither spreading guesses over many accounts nor over many addresses helps.

A limited request gets the same answer whether the account exists or not (no user enumeration).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited


def client_ip(request: HttpRequest) -> str:
    # Behind the one TLS proxy we trust (DJANGO_BEHIND_PROXY=1) the client is the last address
    # the proxy appended; anything before it was sent by the client and cannot be trusted.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _account_key(field: str) -> Callable[[str, HttpRequest], str]:
    def key(group: str, request: HttpRequest) -> str:
        return request.POST.get(field, "").strip().lower()

    return key


def limited(request: HttpRequest, *, group: str, field: str, per_ip: str, per_account: str) -> bool:
    """Counts this POST against both limits and says whether either is exceeded."""
    by_ip = is_ratelimited(
        request, group=f"{group}-ip", key="ip", rate=per_ip, method="POST", increment=True
    )
    by_account = is_ratelimited(
        request,
        group=f"{group}-account",
        key=_account_key(field),
        rate=per_account,
        method="POST",
        increment=True,
    )
    return bool(by_ip or by_account)


def login_limited(request: HttpRequest) -> bool:
    return limited(
        request,
        group="login",
        field="username",
        per_ip=settings.RATELIMIT_LOGIN_PER_IP,
        per_account=settings.RATELIMIT_LOGIN_PER_ACCOUNT,
    )


def password_reset_limited(request: HttpRequest) -> bool:
    return limited(
        request,
        group="password-reset",
        field="email",
        per_ip=settings.RATELIMIT_RESET_PER_IP,
        per_account=settings.RATELIMIT_RESET_PER_ACCOUNT,
    )
