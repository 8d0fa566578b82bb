"""The filters of the brokers' pipeline (django-filter): broker, challenge and UN region,
each through the same conditions as the broker board (exchanges.selectors, cities.selectors)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cities.models import Region
from cities.selectors import region_filter
from core.staff import BROKER
from practices.models import Challenge

from .models import Exchange, ExchangeRequest


def _regions() -> list[tuple[str, str]]:
    return [(r.code, r.label) for r in Region.objects.filter(level=Region.Level.REGION)]


def _challenges() -> list[tuple[str, str]]:
    return [(c.slug, c.label) for c in Challenge.objects.all()]


def _brokers() -> list[tuple[str, str]]:
    brokers = User.objects.filter(groups__name=BROKER).order_by("email")
    return [("none", str(_("not taken"))), *[(str(b.pk), str(b)) for b in brokers]]


class PipelineFilter(filters.FilterSet):
    broker = filters.ChoiceFilter(label=_("Broker"), choices=_brokers, method="filter_broker")
    challenge = filters.ChoiceFilter(
        label=_("Challenge"), choices=_challenges, method="filter_challenge"
    )
    region = filters.ChoiceFilter(label=_("Region"), choices=_regions, method="filter_region")
    state = filters.ChoiceFilter(
        label=_("State"),
        choices=[
            (s.value, s.label)
            for s in Exchange.State
            if s.value in ("proposed", "accepted", "scheduled", "in_progress", "completed")
        ],
    )

    class Meta:
        model = Exchange
        fields: list[str] = []

    def filter_broker(self, queryset: QuerySet[Exchange], name: str, value: str) -> Any:
        if value == "none":
            return queryset.filter(match__request__broker__isnull=True)
        return queryset.filter(match__request__broker_id=int(value))

    def filter_challenge(self, queryset: QuerySet[Exchange], name: str, value: str) -> Any:
        linked = ExchangeRequest.challenges.through.objects.filter(challenge__slug=value)
        return queryset.filter(match__request__in=linked.values("exchangerequest_id"))

    def filter_region(self, queryset: QuerySet[Exchange], name: str, value: str) -> Any:
        return queryset.filter(region_filter(code=value, city="match__request__city"))
