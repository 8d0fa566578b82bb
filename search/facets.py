"""The search facets, declared once for both backends, the search page and the API.

Each facet has the query parameter that selects its values (repeated for several values: OR
within a facet, AND across facets), the keyword field of the search document that holds them,
and a function that names a value in the active language. Counts of a facet are computed with
every other facet's filter but not its own, so a multi-select facet shows honest counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from cities.models import City, Country, Region
from practices.models import LANGUAGES, Challenge, Practice, Sdg, Topic

# Start-year bands of the "year" facet: value -> (first year, last year), None for open ends.
YEAR_BANDS: dict[str, tuple[int | None, int | None]] = {
    "before-2010": (None, 2009),
    "2010-2014": (2010, 2014),
    "2015-2019": (2015, 2019),
    "2020-2024": (2020, 2024),
    "2025-later": (2025, None),
}


_LABEL_CACHE: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
LABEL_CACHE_SECONDS = 300


def _labels_from(model: type, key: str) -> Callable[[list[str]], dict[str, str]]:
    """Labels of a small reference table (taxonomy, regions, countries), in the active language,
    kept in memory for a few minutes: every search names them."""

    def labels(values: list[str]) -> dict[str, str]:
        cache_key = (f"{model.__name__}.{key}", translation.get_language() or "en")
        stamp, table = _LABEL_CACHE.get(cache_key, (0.0, {}))
        if time.monotonic() - stamp > LABEL_CACHE_SECONDS:
            rows = model._default_manager.all()  # type: ignore[attr-defined]
            table = {str(getattr(row, key)): str(row.label) for row in rows}
            _LABEL_CACHE[cache_key] = (time.monotonic(), table)
        return {v: table[v] for v in values if v in table}

    return labels


def _city_labels(values: list[str]) -> dict[str, str]:
    # In the reader's language (City.display_name), like every other facet's labels.
    cities = City.objects.filter(slug__in=values).only("slug", "name", "name_fr", "name_es")
    return {city.slug: city.label for city in cities}


def _choices(choices: Sequence[tuple[str, StrOrPromise]]) -> Callable[[list[str]], dict[str, str]]:
    return lambda values: {str(k): str(v) for k, v in choices if k in values}


@dataclass(frozen=True)
class Facet:
    param: str
    field: str
    title: StrOrPromise
    labels: Callable[[list[str]], dict[str, str]]
    # How many values to show before "more"; facets with few values show them all.
    size: int = 50
    # Values come in a fixed order (years, bands) rather than by count.
    ordered: bool = False


FACETS: list[Facet] = [
    Facet("challenge", "challenges", _("Challenge"), _labels_from(Challenge, "slug")),
    Facet("sdg", "sdgs", _("Sustainable Development Goal"), _labels_from(Sdg, "number")),
    Facet("topic", "topics", _("Topic"), _labels_from(Topic, "slug")),
    Facet("region", "region", _("World region"), _labels_from(Region, "code")),
    Facet("country", "country", _("Country"), _labels_from(Country, "iso2"), size=30),
    Facet("city", "city", _("City"), _city_labels, size=30),
    Facet("language", "language", _("Language"), _choices(LANGUAGES)),
    Facet("status", "status", _("Status"), _choices(Practice.Status.choices)),
    Facet(
        "year",
        "year_band",
        _("Start year"),
        _choices([(k, k.replace("-later", "+").replace("before-", "< ")) for k in YEAR_BANDS]),
        ordered=True,
    ),
    Facet("size_band", "size_band", _("City size"), _choices(City.SizeBand.choices), ordered=True),
    Facet("award", "award", _("Award"), _choices([("yes", _("awarded")), ("no", _("no award"))])),
]
FACETS_BY_PARAM = {f.param: f for f in FACETS}


def year_band(year: int | None) -> str:
    if year is None:
        return ""
    for band, (first, last) in YEAR_BANDS.items():
        if (first is None or year >= first) and (last is None or year <= last):
            return band
    return ""
