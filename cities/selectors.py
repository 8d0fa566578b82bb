"""Reads for cities. Everything here is public reference data."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import City, CityMembership, Region


def region_filter(*, code: str, city: str = "") -> Q:
    """Cities in the UN M49 region or sub-region `code`; with `city`, the rows whose city (the
    lookup path to it, such as "city") is there. Every list filtered by region (the directory,
    the review queue, the broker board, the API) uses this one condition."""
    prefix = f"{city}__" if city else ""
    return Q(**{f"{prefix}country__subregion__code": code}) | Q(
        **{f"{prefix}country__subregion__parent__code": code}
    )


def city_directory(
    *, query: str = "", region_code: str = "", members_only: bool = True
) -> QuerySet[City]:
    """Cities for the directory, with their count of published practices."""
    cities = City.objects.select_related("country__subregion__parent")
    if members_only:
        cities = cities.filter(member_status=City.MemberStatus.ACTIVE)
    if query:
        cities = cities.filter(
            Q(name__icontains=query)
            | Q(ascii_name__icontains=query)
            | Q(name_fr__icontains=query)
            | Q(name_es__icontains=query)
            | Q(country__name_en__icontains=query)
            | Q(country__name_fr__icontains=query)
            | Q(country__name_es__icontains=query)
        )
    if region_code:
        cities = cities.filter(region_filter(code=region_code))
    # The page and the API add the published-practice counts (practices.selectors): cities sit
    # below practices and do not know what "published" means.
    return cities.order_by("name")


def city_sort_key(name: str) -> str:
    """Orders names as a reader expects in any of our languages: accents and case ignored
    ("Édimbourg" among the E, not after the Z as code points would put it), without depending
    on the database's collation (SQLite has none that ignores accents)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def city_sorted(cities: Iterable[City], *, language: str | None = None) -> list[City]:
    """`cities` in the order of their names in `language` (the active one by default)."""
    return sorted(cities, key=lambda c: (city_sort_key(c.display_name(language)), c.pk))


def city_get_by_slug(*, slug: str) -> City:
    return City.objects.select_related("country__subregion__parent").get(slug=slug)


def region_list() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.REGION).prefetch_related("children")


def cities_without_members(*, city_ids: Iterable[int]) -> set[int]:
    """Those of these cities where nobody could answer: no active account belongs to them
    (the board and the ranking warn, and offer an invitation; cities.invitations)."""
    ids = set(city_ids)
    answering = set(
        CityMembership.objects.filter(city_id__in=ids, user__is_active=True).values_list(
            "city_id", flat=True
        )
    )
    return ids - answering
