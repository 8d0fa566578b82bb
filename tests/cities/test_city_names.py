"""A member city is named in the reader's language wherever it is shown (City.display_name):
directory (sorted in that language, accents ignored), city page, practice page, map, search
facets, mails; a search for any of its names still finds it."""

import re

import pytest
from django.core import mail

from cities.models import City
from cities.selectors import city_sort_key
from practices.services import practice_transition
from tests.factories import CityFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities():
    vienna = CityFactory(
        name="Vienna",
        slug="vienna",
        name_fr="Vienne",
        name_es="Viena",
        latitude=48.2,
        longitude=16.37,
    )
    zaragoza = CityFactory(name="Zaragoza", slug="zaragoza", name_fr="Saragosse")
    athens = CityFactory(name="Athens", slug="athens", name_fr="Athènes", name_es="Atenas")
    ecija = CityFactory(name="Écija", slug="ecija")
    PracticeFactory(city=vienna, text__title="Social housing for all")
    return {"vienna": vienna, "zaragoza": zaragoza, "athens": athens, "ecija": ecija}


def table_names(page: str) -> list[str]:
    table = page.split('id="city-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="lead"><a href="[^"]+">([^<]+)</a>', table)


def test_display_name_falls_back_to_the_usual_name(cities):
    assert cities["vienna"].display_name("fr") == "Vienne"
    assert cities["vienna"].display_name("es") == "Viena"
    assert cities["vienna"].display_name("en") == "Vienna"
    assert cities["zaragoza"].display_name("es") == "Zaragoza"
    assert cities["ecija"].display_name("fr") == "Écija"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Athens", "Écija", "Vienna", "Zaragoza"]),
        ("fr", ["Athènes", "Écija", "Saragosse", "Vienne"]),
        ("es", ["Atenas", "Écija", "Viena", "Zaragoza"]),
    ],
)
def test_the_directory_names_and_sorts_cities_in_the_readers_language(
    client, cities, language, expected
):
    # Code points would put "Écija" after every unaccented name.
    assert table_names(client.get(f"/{language}/cities/").content.decode()) == expected


def test_sort_key_ignores_accents_and_case():
    assert sorted(["Zürich", "Écija", "athens", "Óbidos"], key=city_sort_key) == [
        "athens",
        "Écija",
        "Óbidos",
        "Zürich",
    ]


@pytest.mark.parametrize("query", ["Vienna", "Vienne", "viena", "VIENN"])
def test_the_directory_finds_a_city_by_any_of_its_names(client, cities, query):
    page = client.get("/fr/cities/", {"q": query}).content.decode()
    assert table_names(page) == ["Vienne"]


def test_city_page_practice_page_and_map_use_the_readers_language(client, cities):
    vienna = cities["vienna"]
    page = client.get("/fr/cities/vienna/").content.decode()
    assert "<h1>Vienne</h1>" in page
    assert "<title>Vienne\u00a0: 1 pratique</title>" in page
    assert "<h1>Viena</h1>" in client.get("/es/cities/vienna/").content.decode()
    practice = vienna.practices.get()
    page = client.get(f"/fr/practices/{practice.pk}/").content.decode()
    assert '<a href="/fr/cities/vienna/">Vienne</a>' in page
    assert "Vienna" not in page.split("<main", 1)[1]


def test_search_facets_name_cities_in_the_readers_language(client, cities, sync_index):
    # On both backends (the `backend_name` parameter of sync_index): the labels are ours.
    sync_index()
    page = client.get("/es/search/", {"q": ""}).content.decode()
    assert "Viena" in page
    assert re.search(r">\s*Vienna\s*<", page) is None


def test_mails_name_the_city_in_the_recipients_language(
    people, make_practice, django_capture_on_commit_callbacks
):
    City.objects.filter(pk=make_practice("draft").city_id).update(name_fr="Lugdunum")
    editor = people["editor"]
    editor.preferred_language = "fr"
    editor.save()
    practice = make_practice("draft")
    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(practice=practice, by=people["practitioner"], name="submit")
    to_editor = [m for m in mail.outbox if editor.email in m.to]
    assert to_editor and "(Lugdunum)" in to_editor[0].body


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "(en anglais)"), ("es", "(en inglés)"), ("en", None)]
)
def test_a_description_in_another_language_is_labelled_with_it(client, cities, language, label):
    City.objects.filter(pk=cities["vienna"].pk).update(description="A city of social housing.")
    page = client.get(f"/{language}/cities/vienna/").content.decode()
    assert '<div class="description" lang="en">' in page
    assert "A city of social housing." in page
    if label:
        assert f'<p class="meta text-language" lang="{language}">{label}</p>' in page
    else:
        assert "text-language" not in page


def test_indicator_names_and_units_are_translated_where_known(client, cities):
    from cities.models import CityIndicator

    vienna = cities["vienna"]
    CityIndicator.objects.create(
        city=vienna, name="Population density", value=4600, unit="inhabitants/km²", year=2023
    )
    CityIndicator.objects.create(city=vienna, name="Bike lanes", value=1654, unit="km", year=2023)
    page = client.get("/es/cities/vienna/").content.decode()
    assert "Densidad de población" in page and "habitantes/km²" in page
    assert "Bike lanes" in page  # not a known name: shown as stored
