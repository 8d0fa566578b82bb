"""Liveness, readiness and metrics. None of them is translated or cached; none needs a
session (their answers must not depend on, or touch, the database beyond the checks).

Who may read /metrics (decided here, documented in docs/operations.md): a client whose address
(core.network.client_address, so behind nginx the real client's) is in METRICS_ALLOWED_IPS
(addresses or networks; loopback by default, where a local Prometheus or the load benchmark
runs), or a request with `Authorization: Bearer <METRICS_TOKEN>` (for a Prometheus elsewhere,
whose address may change). Others get 403: the metrics name no secret, but they show traffic,
queue sizes and errors, which are nobody else's business. The health endpoints are open: a load
balancer calls them without credentials, and they say only which dependency is down."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from core.network import client_address

from .health import readiness
from .metrics import exposition


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers requests; it checks nothing else, so a database outage does not
    make an orchestrator restart every app process."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    down = [name for name, check in checks.items() if not check.ok]
    return JsonResponse(
        {
            "status": "unavailable" if down else "ready",
            "down": down,
            "checks": {
                name: {"ok": c.ok, "ms": c.ms, "detail": c.detail} for name, c in checks.items()
            },
        },
        status=503 if down else 200,
    )


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_IPS
    )


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
