"""Reads for exchanges. Requests are not public: a request is visible to the requesting
city's members, to brokers, and to the members of a city it was proposed to; an exchange to
the members of its two cities and to brokers. Anything else answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from cities.models import City, CityMembership
from cities.selectors import region_filter
from core.permissions import is_broker

from .models import Evaluation, Exchange, ExchangeEvent, ExchangeRequest, Match


def _city_ids(user: User | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(user.memberships.values_list("city_id", flat=True))


def request_cities_for(*, user: User | AnonymousUser) -> QuerySet[City]:
    """The cities the user may file an exchange request for: those they are an official of
    (exchanges.services.exchange_request_create enforces the same rule)."""
    if not user.is_authenticated or not user.is_active:
        return City.objects.none()
    return City.objects.filter(
        memberships__user=user, memberships__role=CityMembership.Role.OFFICIAL
    ).order_by("name")


def request_exchange_offered(*, user: User | AnonymousUser, city_id: int) -> bool:
    """Whether a practice page of the city `city_id` offers "Ask for an exchange on this": to
    an official of another city, the only person who could file it."""
    return request_cities_for(user=user).exclude(pk=city_id).exists()


def request_visible_to(*, user: User | AnonymousUser) -> QuerySet[ExchangeRequest]:
    if is_broker(user):
        return ExchangeRequest.objects.all()
    cities = _city_ids(user)
    if not cities:
        return ExchangeRequest.objects.none()
    proposed_to = Match.objects.filter(peer_city_id__in=cities, exchange__isnull=False).values(
        "request_id"
    )
    return ExchangeRequest.objects.filter(Q(city_id__in=cities) | Q(pk__in=proposed_to))


def matches_visible_to(*, request: ExchangeRequest, user: User | AnonymousUser) -> QuerySet[Match]:
    """The ranked peers of a request the user may read (call with a request visible to them):
    brokers and the requesting city see them all, best first; a peer city sees only its own
    proposal."""
    matches = request.matches.select_related("peer_city__country").order_by("-score", "pk")
    if is_broker(user) or request.city_id in _city_ids(user):
        return matches
    return matches.filter(peer_city_id__in=_city_ids(user), exchange__isnull=False)


def exchange_visible_to(*, user: User | AnonymousUser) -> QuerySet[Exchange]:
    if is_broker(user):
        return Exchange.objects.all()
    cities = _city_ids(user)
    return Exchange.objects.filter(
        Q(match__request__city_id__in=cities) | Q(match__peer_city_id__in=cities)
    )


def request_with_challenge(
    *, requests: QuerySet[ExchangeRequest], challenge: str
) -> QuerySet[ExchangeRequest]:
    """The requests about the challenge of slug `challenge`, selected through the link table
    (`pk IN (…)`) rather than a join, which would need DISTINCT."""
    linked = ExchangeRequest.challenges.through.objects.filter(challenge__slug=challenge)
    return requests.filter(pk__in=linked.values("exchangerequest_id"))


def broker_board(
    *,
    user: User,
    challenge: str = "",
    region: str = "",
    broker: str = "",
    include_closed: bool = False,
) -> QuerySet[ExchangeRequest]:
    """Requests for the brokers, oldest first; `broker` is a user id, or "none" for untaken."""
    if not is_broker(user):
        return ExchangeRequest.objects.none()
    requests = ExchangeRequest.objects.select_related(
        "city__country__subregion__parent", "broker"
    ).prefetch_related("challenges")
    if not include_closed:
        requests = requests.exclude(
            state__in=[ExchangeRequest.State.CLOSED, ExchangeRequest.State.WITHDRAWN]
        )
    if challenge:
        requests = request_with_challenge(requests=requests, challenge=challenge)
    if region:
        requests = requests.filter(region_filter(code=region, city="city"))
    if broker == "none":
        requests = requests.filter(broker__isnull=True)
    elif broker.isdigit():
        requests = requests.filter(broker_id=int(broker))
    return requests.distinct().order_by("created_at", "pk")


def exchanges_of_city_public(*, city_id: int) -> QuerySet[Exchange]:
    """Finished exchanges a city took part in, either side: what its profile shows everyone.
    Requests and exchanges still being brokered stay private to the cities and the brokers."""
    return (
        Exchange.objects.filter(
            Q(match__request__city_id=city_id) | Q(match__peer_city_id=city_id),
            state__in=[Exchange.State.COMPLETED, Exchange.State.EVALUATED],
        )
        .select_related("match__request__city", "match__peer_city")
        .order_by("-updated_at")
    )


def city_dashboard(*, city_id: int) -> dict[str, Any]:
    """The exchange side of a member's "my city" page: the city's own requests still open,
    proposals it has to answer, and exchanges under way."""
    open_requests = [
        ExchangeRequest.State.OPEN,
        ExchangeRequest.State.IN_REVIEW,
        ExchangeRequest.State.PROPOSED,
        ExchangeRequest.State.MATCHED,
    ]
    under_way = [
        Exchange.State.ACCEPTED,
        Exchange.State.SCHEDULED,
        Exchange.State.IN_PROGRESS,
        Exchange.State.COMPLETED,
    ]
    return {
        "requests": ExchangeRequest.objects.filter(city_id=city_id, state__in=open_requests)
        .select_related("broker")
        .order_by("-created_at"),
        "to_answer": Exchange.objects.filter(
            match__peer_city_id=city_id, state=Exchange.State.PROPOSED
        )
        .select_related("match__request__city")
        .order_by("created_at"),
        "under_way": Exchange.objects.filter(
            Q(match__request__city_id=city_id) | Q(match__peer_city_id=city_id),
            state__in=under_way,
        )
        .select_related("match__request__city", "match__peer_city")
        .order_by("-updated_at"),
    }


# Exchanges the brokers still follow: from the proposal until both cities have evaluated it.
PIPELINE_STATES = (
    Exchange.State.PROPOSED,
    Exchange.State.ACCEPTED,
    Exchange.State.SCHEDULED,
    Exchange.State.IN_PROGRESS,
    Exchange.State.COMPLETED,
)


def broker_pipeline(*, user: User) -> QuerySet[Exchange]:
    """The brokers' pipeline: exchanges in progress (proposed to completed, still waiting for
    its evaluations), the longest in its state first, each with when it last moved
    (`last_moved`) and how many evaluations it has (`evaluation_count`). Filters are applied
    by exchanges.filters.PipelineFilter. The counts are subqueries, so the rows are not
    multiplied by a join and a page costs the same queries at any size."""
    if not is_broker(user):
        return Exchange.objects.none()
    last_moved = (
        ExchangeEvent.objects.filter(exchange=OuterRef("pk")).order_by("-at").values("at")[:1]
    )
    evaluations = (
        Evaluation.objects.filter(exchange=OuterRef("pk"))
        .order_by()
        .values("exchange")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Exchange.objects.filter(state__in=PIPELINE_STATES)
        .select_related(
            "match__request__city__country__subregion__parent",
            "match__request__broker",
            "match__peer_city",
        )
        .prefetch_related("match__request__challenges")
        .annotate(
            last_moved=Coalesce(Subquery(last_moved), F("created_at")),
            evaluation_count=Coalesce(Subquery(evaluations), 0),
        )
        .order_by("last_moved", "pk")
    )
