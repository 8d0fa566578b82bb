"""The query parameters of /api/v1/practices/."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from practices.models import LANGUAGES, Challenge, Practice, Sdg, Topic
from practices.selectors import practice_in_region, practice_tagged


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(filters.ModelMultipleChoiceFilter):
    """Taxonomy terms by slug, repeatable."""


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: PostgreSQL refuses offsets beyond ±15:59, which
    Python (and ISO 8601 parsers) accept."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError as exc:
                raise ValidationError({self.field_name: [_("This date is out of range.")]}) from exc
        return super().filter(qs, value)


class StableOrdering(filters.OrderingFilter):
    """Orders by the chosen field, then by id, so that pages never repeat or skip a row."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordered = super().filter(qs, value)
        if value:
            last = "-id" if str(value[-1]).startswith("-") else "id"
            ordered = ordered.order_by(*ordered.query.order_by, last)
        return ordered


class PracticeFilter(filters.FilterSet):
    """The taxonomy and region conditions come from practices.selectors, which the web pages
    use too."""

    challenge = SlugsFilter(
        queryset=Challenge.objects.all(),
        to_field_name="slug",
        method="filter_taxonomy",
        help_text="Challenge slug; repeat for several (any of them).",
    )
    sdg = filters.ModelMultipleChoiceFilter(
        queryset=Sdg.objects.all(),
        method="filter_taxonomy",
        help_text="SDG number; repeatable.",
    )
    topic = SlugsFilter(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        method="filter_taxonomy",
        help_text="Topic slug; repeatable.",
    )
    city = filters.CharFilter(field_name="city__slug", help_text="City slug.")
    region = filters.CharFilter(method="filter_region", help_text="UN M49 (sub-)region code.")
    language = filters.ChoiceFilter(
        choices=LANGUAGES, help_text="Original language of the practice."
    )
    review_state = filters.MultipleChoiceFilter(choices=Practice.ReviewState.choices)
    status = filters.ChoiceFilter(choices=Practice.Status.choices)
    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date and time."
    )
    published_since = UtcDateTimeFilter(field_name="published_at", lookup_expr="gte")
    ordering = StableOrdering(
        fields=(
            ("updated_at", "updated"),
            ("published_at", "published"),
            ("submitted_at", "submitted"),
            ("adapted_count", "adapted"),
        ),
        help_text="Default -updated (most recently changed first). `submitted` gives an "
        "editor's review queue, oldest submission first.",
    )

    class Meta:
        model = Practice
        fields: list[str] = []

    TAXONOMY = {"challenge": "challenges", "sdg": "sdgs", "topic": "topics"}

    def filter_taxonomy(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if not value:
            return queryset
        return practice_tagged(practices=queryset, **{self.TAXONOMY[name]: value})

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return practice_in_region(practices=queryset, region=value)
