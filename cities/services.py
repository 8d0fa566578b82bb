"""Writes for cities: loading reference data, memberships."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from accounts.models import User

from . import reference
from .models import City, CityMembership, Country, Region


@dataclass
class LoadReport:
    regions: int = 0
    countries: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)


def _unique_slug(name: str, iso2: str, geonameid: int, taken: set[str]) -> str:
    base = slugify(name) or f"city-{geonameid}"
    for candidate in (base, f"{base}-{iso2.lower()}", f"{base}-{iso2.lower()}-{geonameid}"):
        if candidate not in taken:
            return candidate
    return f"{base}-{geonameid}"


def cities_load_reference(
    *, cities_path: Path | None = None, min_population: int = 500_000
) -> LoadReport:
    """Fill Region, Country and City from the reference data, in one transaction.

    Everything is read and validated before the first write, and the writes share one
    transaction: a bad file or an interruption leaves the database as it was. A second run
    updates what changed upstream and creates nothing twice (cities are keyed by GeoNames id).
    Membership fields (status, languages, openness) are ours and never overwritten.
    """
    path = cities_path or reference.default_cities_path()
    city_rows = list(reference.read_cities(path, min_population=min_population))
    region_rows = reference.regions()
    country_rows = reference.countries()
    report = LoadReport()

    with transaction.atomic():
        regions: dict[str, Region] = {}
        for r in sorted(region_rows, key=lambda r: r.parent_code is not None):
            region, _ = Region.objects.update_or_create(
                code=r.code,
                defaults={
                    "name_en": r.names["en"],
                    "name_fr": r.names["fr"],
                    "name_es": r.names["es"],
                    "level": Region.Level.SUBREGION if r.parent_code else Region.Level.REGION,
                    "parent": regions[r.parent_code] if r.parent_code else None,
                },
            )
            regions[r.code] = region
        report.regions = len(regions)

        countries: dict[str, Country] = {}
        for c in country_rows:
            country, _ = Country.objects.update_or_create(
                iso2=c.iso2,
                defaults={
                    "iso3": c.iso3,
                    "m49": c.m49,
                    "name_en": c.names["en"],
                    "name_fr": c.names["fr"],
                    "name_es": c.names["es"],
                    "subregion": regions.get(c.subregion_code or ""),
                },
            )
            countries[c.iso2] = country
        report.countries = len(countries)

        existing = {c.geonameid: c for c in City.objects.filter(geonameid__isnull=False)}
        taken = set(City.objects.values_list("slug", flat=True))
        to_create: list[City] = []
        to_update: list[City] = []
        fields = [
            "name",
            "ascii_name",
            "alternate_names",
            "country",
            "population",
            "population_source",
            "latitude",
            "longitude",
            "timezone",
            "name_fr",
            "name_es",
        ]
        names = reference.city_names()
        for row in city_rows:
            found = countries.get(row.country_iso2)
            if found is None:
                report.skipped.append(f"{row.name}: unknown country code {row.country_iso2}")
                continue
            values = {
                "name": row.name,
                "ascii_name": row.ascii_name,
                "alternate_names": row.alternate_names,
                "country": found,
                "population": row.population,
                "population_source": "GeoNames",
                "latitude": Decimal(str(round(row.latitude, 5))),
                "longitude": Decimal(str(round(row.longitude, 5))),
                "timezone": row.timezone,
                "name_fr": names.get(row.geonameid, {}).get("fr", ""),
                "name_es": names.get(row.geonameid, {}).get("es", ""),
            }
            city = existing.get(row.geonameid)
            if city is None:
                slug = _unique_slug(row.name, row.country_iso2, row.geonameid, taken)
                taken.add(slug)
                to_create.append(City(geonameid=row.geonameid, slug=slug, **values))
                continue
            if any(getattr(city, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(city, key, value)
                to_update.append(city)
            else:
                report.unchanged += 1
        City.objects.bulk_create(to_create, batch_size=500)
        City.objects.bulk_update(to_update, fields, batch_size=500)
        report.created = len(to_create)
        report.updated = len(to_update)
    return report


def city_membership_set(*, user: User, city: City, role: str) -> CityMembership:
    """Make `user` a member of `city` with `role`, replacing any earlier role there."""
    if role not in CityMembership.Role.values:
        raise ValueError(f"Unknown role {role!r}; expected one of {CityMembership.Role.values}.")
    membership, _ = CityMembership.objects.update_or_create(
        user=user, city=city, defaults={"role": role}
    )
    return membership
