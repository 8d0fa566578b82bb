"""The client's address: one definition for every limiter (sign-in, password reset, the API's
throttles), read from settings.TRUSTED_PROXY_COUNT.

Each proxy in front of the application appends the address it received the request from to
`X-Forwarded-For` (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`) and
connects to us itself, so it becomes REMOTE_ADDR. Behind N proxies we trust, the N-th address
from the right was written by the first of them: it is the client. Everything to the left of it
was sent by the client and is whatever the client chose, so it is never read; a limiter keyed
on it (or on the whole header) would give a new budget to every request that changes it.

- TRUSTED_PROXY_COUNT=0 (no proxy, the development server): REMOTE_ADDR, the header ignored.
- TRUSTED_PROXY_COUNT=1 (nginx in front of gunicorn, the documented production layout): the
  right-most address of the header.
- A header shorter than N (a request that did not come through every proxy) gives its
  left-most address, as Django REST Framework's NUM_PROXIES does: each address it holds was
  still written by a proxy we trust.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`, as the trusted proxies saw it."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    if trusted <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    chosen = addresses[-min(trusted, len(addresses))]
    try:
        return str(ipaddress.ip_address(chosen))
    except ValueError:
        # A proxy we trust wrote something that is not an address (misconfigured): the proxy
        # itself is the only address we know, and limits stay shared rather than escapable.
        return remote
