import json

import pytest
from django.core.management import call_command

from cities import services
from cities.models import City, Country, Region

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load the real reference data once for the module's read-only checks."""
    with django_db_blocker.unblock():
        call_command("load_cities", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        City.objects.all().delete()
        Country.objects.all().delete()
        Region.objects.filter(level="subregion").delete()
        Region.objects.all().delete()


@pytest.mark.parametrize(
    ("name", "iso2", "subregion", "region"),
    [
        ("Paris", "FR", "Western Europe", "Europe"),
        ("Dakar", "SN", "Sub-Saharan Africa", "Africa"),
        ("Mexico City", "MX", "Latin America and the Caribbean", "Americas"),
        ("Montréal", "CA", "Northern America", "Americas"),
        ("Barcelona", "ES", "Southern Europe", "Europe"),
        ("Jakarta", "ID", "South-eastern Asia", "Asia"),
        ("Melbourne", "AU", "Australia and New Zealand", "Oceania"),
    ],
)
def test_known_cities_with_country_and_region(loaded, name, iso2, subregion, region):
    city = City.objects.select_related("country__subregion__parent").get(
        name=name, country__iso2=iso2
    )
    assert city.population >= 500_000
    assert city.country.subregion.name_en == subregion
    assert city.country.region.name_en == region
    assert city.latitude is not None and city.geonameid


def test_every_city_is_large_and_placed(loaded):
    assert City.objects.count() > 1000
    assert not City.objects.filter(population__lt=500_000).exists()
    assert not City.objects.filter(country__subregion__isnull=True).exists()


def test_country_and_region_names_in_three_languages(loaded):
    france = Country.objects.get(iso2="FR")
    mexico = Country.objects.get(iso2="MX")
    assert (mexico.name_en, mexico.name_fr, mexico.name_es) == ("Mexico", "Mexique", "México")
    assert france.subregion.name_fr == "Europe de l’Ouest"
    assert france.subregion.name_es == "Europa occidental"
    africa = Region.objects.get(code="002")
    assert (africa.name_fr, africa.name_es) == ("Afrique", "África")


def test_alternate_names_are_kept(loaded):
    city = City.objects.get(name="Mexico City")
    assert "Ciudad de México" in city.alternate_names


def test_second_run_changes_nothing(loaded):
    before = dict(City.objects.values_list("geonameid", "slug"))
    report = services.cities_load_reference()
    assert report.created == 0 and report.updated == 0
    assert report.unchanged == len(before)
    assert dict(City.objects.values_list("geonameid", "slug")) == before


@pytest.mark.parametrize(
    ("name", "iso2", "fr", "es"),
    [
        ("London", "GB", "Londres", "Londres"),
        ("Mexico City", "MX", "Mexico", "Ciudad de México"),
        ("Cape Town", "ZA", "Le Cap", "Ciudad del Cabo"),
        ("Bogotá", "CO", "Bogota", ""),  # Spanish writes it as GeoNames does
        ("Jakarta", "ID", "", "Yakarta"),
    ],
)
def test_member_cities_get_their_curated_french_and_spanish_names(loaded, name, iso2, fr, es):
    city = City.objects.get(name=name, country__iso2=iso2)
    assert (city.name_fr, city.name_es) == (fr, es)
    assert city.display_name("fr") == (fr or name)
    assert city.display_name("es") == (es or name)
    assert city.display_name("en") == name


def test_every_curated_name_belongs_to_the_reference_city_it_names():
    from cities import reference

    rows = json.loads(reference.CITY_NAMES_PATH.read_text(encoding="utf-8"))
    by_id = {
        row.geonameid: row
        for row in reference.read_cities(reference.default_cities_path(), min_population=15_000)
    }
    assert len(rows) == len({row["geonameid"] for row in rows}) >= 50
    for row in rows:
        city = by_id[row["geonameid"]]
        assert (city.name, city.country_iso2) == (row["name"], row["country"]), row
        assert row.get("fr") or row.get("es"), row
        assert row.get("fr") != row["name"] and row.get("es") != row["name"], row
