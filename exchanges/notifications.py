"""E-mail to the people concerned at each step of an exchange, at most once per person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.email import email_send_once
from accounts.models import User
from accounts.services import BROKER
from cities.models import CityMembership

from .explanations import explanation_sentences
from .models import Exchange, ExchangeEvent, ExchangeRequest


def _brokers() -> list[User]:
    group = Group.objects.filter(name=BROKER).first()
    return list(group.user_set.filter(is_active=True)) if group else []


def _members(city_id: int, *, officials_only: bool = False) -> list[User]:
    memberships = CityMembership.objects.filter(city_id=city_id, user__is_active=True)
    if officials_only:
        memberships = memberships.filter(role=CityMembership.Role.OFFICIAL)
    return [m.user for m in memberships.select_related("user")]


# A mail is composed once per recipient, inside that person's language, so its subject, its text
# and its links (language-prefixed pages) are all in the language they chose.
Compose = Callable[[], tuple[str, list[str]]]


def _send(key: str, users: list[User], compose: Compose, exclude: int | None = None) -> int:
    sent = 0
    for user in {u.pk: u for u in users}.values():
        if user.pk == exclude:
            continue
        with translation.override(user.preferred_language or "en"):
            subject, lines = compose()
            if email_send_once(
                key=f"{key}:{user.pk}",
                to=user.email,
                subject=str(subject),
                body="\n".join(str(x) for x in lines),
            ):
                sent += 1
    return sent


def notification_send(*, kind: str, object_id: int) -> int:
    base = settings.SITE_URL.rstrip("/")
    if kind in ("request_created", "request_taken"):
        request = (
            ExchangeRequest.objects.select_related("city", "broker").filter(pk=object_id).first()
        )
        if request is None:
            return 0
        req: ExchangeRequest = request

        def link() -> str:
            return base + reverse("exchange-request-detail", args=[req.pk])

        def created() -> tuple[str, list[str]]:
            subject = _("[Policy Transfer] New exchange request from %(city)s") % {
                "city": req.city.label
            }
            return subject, [req.need, "", link()]

        def taken() -> tuple[str, list[str]]:
            text = _("%(broker)s took your exchange request.") % {"broker": req.broker}
            return _("[Policy Transfer] A broker is working on your request"), [text, "", link()]

        if kind == "request_created":
            return _send(
                f"request-created:{request.pk}",
                _brokers(),
                created,
                exclude=request.created_by_id,
            )
        return _send(
            f"request-taken:{request.pk}", _members(request.city_id, officials_only=True), taken
        )
    if kind == "exchange_event":
        event = (
            ExchangeEvent.objects.select_related(
                "exchange__match__request__city", "exchange__match__peer_city", "by"
            )
            .filter(pk=object_id)
            .first()
        )
        if event is None:
            return 0
        match = event.exchange.match
        request = match.request
        people = _members(request.city_id, officials_only=True) + _members(match.peer_city_id)
        if request.broker_id:
            people.append(request.broker)  # type: ignore[arg-type]

        def stepped() -> tuple[str, list[str]]:
            subject = _("[Policy Transfer] Exchange %(requester)s – %(peer)s: %(state)s") % {
                "requester": request.city.label,
                "peer": match.peer_city.label,
                "state": event.get_to_state_display(),
            }
            lines = [str(event.by or _("The platform")) + ": " + event.get_to_state_display()]
            if event.note:
                lines += ["", event.note]
            if event.to_state == Exchange.State.PROPOSED:
                # Why this peer, in the recipient's language (composed inside it).
                reasons = explanation_sentences(match.explanation)
                if reasons:
                    lines += ["", _("Why this peer city:"), *(f"- {r}" for r in reasons)]
            lines += ["", base + reverse("exchange-detail", args=[event.exchange_id])]
            return subject, lines

        return _send(f"exchange-event:{event.pk}", people, stepped, exclude=event.by_id)
    raise ValueError(f"unknown notification {kind}")


def digest_send(*, today: datetime | None = None) -> int:
    """Daily digest for brokers: requests waiting longer than EXCHANGE_DIGEST_AFTER_DAYS."""
    now = today or timezone.now()
    limit = now - timedelta(days=settings.EXCHANGE_DIGEST_AFTER_DAYS)
    waiting = list(
        ExchangeRequest.objects.filter(
            state__in=[ExchangeRequest.State.OPEN, ExchangeRequest.State.IN_REVIEW],
            created_at__lte=limit,
        )
        .select_related("city")
        .order_by("created_at")
    )
    if not waiting:
        return 0
    base = settings.SITE_URL.rstrip("/")

    def digest() -> tuple[str, list[str]]:
        lines = [
            f"- {r.city.label}: {r.need[:80]} ({(now - r.created_at).days} d, "
            f"{r.get_state_display()}) {base}{reverse('exchange-request-detail', args=[r.pk])}"
            for r in waiting
        ]
        return _("[Policy Transfer] %(n)d exchange request(s) waiting") % {"n": len(waiting)}, lines

    return _send(f"digest:{now:%Y-%m-%d}", _brokers(), digest)
