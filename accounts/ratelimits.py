"""Rate limits on the forms an attacker can hammer without an account: signing in (the web's
sign-in page and the API's /api/v1/auth/token/, one policy) and the password reset.

The client's address is core.network.client_address (settings.TRUSTED_PROXY_COUNT), never the
left of X-Forwarded-For, which the client writes. Every counter lives in the default cache
(Redis in production, shared by every worker: DJANGO_CACHE_URL). Accounts are keyed by the
e-mail address typed, lower-cased, whether it exists or not, and a refused attempt gets the same
answer for every account (no user enumeration).

Sign-in policy. Only failed attempts count; a successful one costs nothing, so a workshop of
30 people behind one office address signs in without waiting. Before the password is checked,
an attempt is refused (429) when one of these has been reached:

1. failures for this account from this address (RATELIMIT_LOGIN_PER_ACCOUNT, 5 per 10 min):
   whoever guesses from one place waits;
2. failures from this address, whatever the account (RATELIMIT_LOGIN_PER_IP, 50 per 10 min):
   one place cannot sweep many accounts; generous, because an office shares its address;
3. failures for this account from addresses that have never signed in to it
   (RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES, 20 per hour): guesses spread over many
   addresses still stop. This limit is not applied to an address from which the account has
   signed in successfully in the last RATELIMIT_LOGIN_KNOWN_ADDRESS_DAYS (90) days, so a
   stranger who hammers an account from elsewhere cannot lock its owner out of their usual
   places; from a new place the owner waits (at most an hour), or resets their password.

A successful sign-in clears the failures of that account from that address and marks the
address as known for the account. It does not clear the address's failures on other accounts
(rule 2): otherwise signing in to one's own account between guesses would reset the budget.

The password reset counts every request (each sends mail), per address and per account
tried, with django-ratelimit (RATELIMIT_RESET_PER_IP, RATELIMIT_RESET_PER_ACCOUNT).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from core.network import client_address

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """django-ratelimit's notation: "5/10m" is 5 per 10 minutes; "" switches a limit off."""
        if not text:
            return None
        found = _RATE.match(text)
        if found is None:
            raise ValueError(f"not a rate: {text!r} (expected count/period, e.g. 5/10m)")
        count, number, unit = found.groups()
        return cls(count=int(count), seconds=int(number or 1) * _UNITS[unit])


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _account(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class _Counter:
    """Failures in a window that opens at the first one (a fixed window per key)."""

    key: str
    rate: Rate | None

    def reached(self) -> bool:
        return self.rate is not None and int(cache.get(self.key) or 0) >= self.rate.count

    def add(self) -> None:
        if self.rate is None:
            return
        cache.add(self.key, 0, self.rate.seconds)
        try:
            cache.incr(self.key)
        except ValueError:  # expired between the two calls
            cache.add(self.key, 1, self.rate.seconds)

    def clear(self) -> None:
        cache.delete(self.key)


@dataclass(frozen=True)
class SignIn:
    """One sign-in attempt: who it names and where it comes from."""

    account: str
    address: str

    @classmethod
    def of(cls, request: HttpRequest, *, email: str) -> SignIn:
        return cls(account=_account(email), address=client_address(request))

    def _key(self, *parts: str) -> str:
        return "signin:" + ":".join(parts)

    @property
    def _known_key(self) -> str:
        return self._key("known", _digest(self.account), _digest(self.address))

    def _counters(self) -> list[_Counter]:
        account, address = _digest(self.account), _digest(self.address)
        counters = [
            _Counter(
                self._key("account-address", account, address),
                Rate.parse(settings.RATELIMIT_LOGIN_PER_ACCOUNT),
            ),
            _Counter(self._key("address", address), Rate.parse(settings.RATELIMIT_LOGIN_PER_IP)),
        ]
        if not cache.get(self._known_key):
            counters.append(
                _Counter(
                    self._key("account-new", account),
                    Rate.parse(settings.RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES),
                )
            )
        return counters

    def refused(self) -> bool:
        """Whether this attempt must wait, before any password is checked."""
        return any(counter.reached() for counter in self._counters())

    def failed(self) -> None:
        for counter in self._counters():
            counter.add()

    def succeeded(self) -> None:
        self._counters()[0].clear()
        days = settings.RATELIMIT_LOGIN_KNOWN_ADDRESS_DAYS
        cache.set(self._known_key, 1, days * 86400)

    def retry_after(self) -> int:
        """Seconds to wait, at most (the longest window of a limit that is reached)."""
        reached = [c.rate.seconds for c in self._counters() if c.rate and c.reached()]
        return max(reached, default=60)


# -- the password reset ---------------------------------------------------------------------


def _post_field(field: str) -> Callable[[str, HttpRequest], str]:
    def key(group: str, request: HttpRequest) -> str:
        return _account(request.POST.get(field, ""))

    return key


def _by_address(group: str, request: HttpRequest) -> str:
    return client_address(request)


def password_reset_limited(request: HttpRequest) -> bool:
    """Counts this POST against both limits and says whether either is exceeded."""
    by_ip = is_ratelimited(
        request,
        group="password-reset-ip",
        key=_by_address,
        rate=settings.RATELIMIT_RESET_PER_IP,
        method="POST",
        increment=True,
    )
    by_account = is_ratelimited(
        request,
        group="password-reset-account",
        key=_post_field("email"),
        rate=settings.RATELIMIT_RESET_PER_ACCOUNT,
        method="POST",
        increment=True,
    )
    return bool(by_ip or by_account)
