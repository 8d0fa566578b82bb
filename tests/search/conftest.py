"""The search tests' world (four cities in three regions) and catalogue (a dozen practices
over every facet, in that world). The backends' fixtures (`backend_name`, `es_settings`,
`sync_index`) are in tests/conftest.py.

The catalogue is made once per module (tests/conftest.py, "rows made once per module"), and
`searchable` gives tests that only read it an Elasticsearch index of it built once per module
too: building one is most of what such a test would otherwise spend. Tests that change the
catalogue before searching rebuild with `sync_index()` as before.
"""

import copy
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from cities.models import City, Country
from search.backends import get_backend
from search.client import get_client
from tests.factories import catalogue_practice, region
from tests.support import service_url


def make_world():
    europe = region("150", "Europe")
    africa = region("002", "Africa")
    americas = region("019", "Americas")
    countries = {
        "FR": Country.objects.create(
            iso2="FR",
            name_en="France",
            name_fr="France",
            name_es="Francia",
            subregion=region("155", "Western Europe", europe),
        ),
        "SN": Country.objects.create(
            iso2="SN",
            name_en="Senegal",
            name_fr="Sénégal",
            name_es="Senegal",
            subregion=region("202", "Sub-Saharan Africa", africa),
        ),
        "MX": Country.objects.create(
            iso2="MX",
            name_en="Mexico",
            name_fr="Mexique",
            name_es="México",
            subregion=region("419", "Latin America and the Caribbean", americas),
        ),
    }
    today = timezone.now().date()

    def city(name, iso2, population):
        return City.objects.create(
            name=name,
            slug=name.lower(),
            country=countries[iso2],
            population=population,
            member_status="active",
            member_since=today,
        )

    return {
        "lyon": city("Lyon", "FR", 520_000),
        "paris": city("Paris", "FR", 2_100_000),
        "dakar": city("Dakar", "SN", 3_500_000),
        "mexico": city("Mexico", "MX", 12_000_000),
    }


def make_catalogue(w):
    """A dozen practices spread over every facet, plus some that must never be found."""
    items = [
        catalogue_practice(
            w["lyon"],
            title="Safe streets for women at night",
            summary="Night buses stop on request.",
            challenges=("gender-equality", "quality-of-life"),
            sdgs=(5, 11),
            topics=("safety", "mobility"),
            start_year=2018,
            days_ago=1,
            translations={
                "fr": (
                    "Des rues sûres pour les femmes la nuit",
                    "Les bus de nuit s'arrêtent à la demande.",
                    "Marches exploratoires et éclairage public.",
                )
            },
        ),
        catalogue_practice(
            w["paris"],
            title="Budget participatif",
            language="fr",
            summary="Les habitants votent des projets.",
            body="Chaque année les habitants proposent et votent.",
            challenges=("social-cohesion",),
            sdgs=(11, 16),
            topics=("participation",),
            start_year=2014,
            awards="Prix de l'innovation",
            days_ago=2,
        ),
        catalogue_practice(
            w["mexico"],
            title="Presupuesto participativo",
            language="es",
            summary="Los vecinos deciden el gasto.",
            body="Las canciones de los barrios acompañan las asambleas.",
            challenges=("social-cohesion", "economic-development"),
            sdgs=(16,),
            topics=("participation", "municipal-finance"),
            start_year=2021,
            status="completed",
            days_ago=3,
        ),
        catalogue_practice(
            w["dakar"],
            title="Recycling cooperatives",
            summary="Waste pickers are paid.",
            challenges=("sustainability", "economic-development"),
            sdgs=(8, 12),
            topics=("waste", "jobs"),
            start_year=2009,
            status="pilot",
            days_ago=4,
        ),
        catalogue_practice(
            w["dakar"],
            title="Flood sponge districts",
            summary="Rain gardens absorb storm water.",
            challenges=("sustainability",),
            sdgs=(6, 13),
            topics=("climate-adaptation", "water"),
            start_year=2022,
            days_ago=5,
        ),
        catalogue_practice(
            w["mexico"],
            title="Corredores de autobús",
            language="es",
            summary="Carriles exclusivos.",
            challenges=("sustainability", "quality-of-life"),
            sdgs=(11, 13),
            topics=("mobility", "air-quality"),
            start_year=2016,
            days_ago=6,
        ),
        catalogue_practice(
            w["lyon"],
            title="Urban forest plan",
            summary="Trees where it is hottest.",
            challenges=("sustainability",),
            sdgs=(13, 15),
            topics=("green-spaces",),
            days_ago=7,
        ),
        catalogue_practice(
            w["paris"],
            title="Guichet rénovation énergétique",
            language="fr",
            summary="Conseil et financement.",
            challenges=("sustainability",),
            sdgs=(7,),
            topics=("energy", "housing"),
            start_year=2019,
            awards="Label",
            days_ago=8,
        ),
        catalogue_practice(
            w["lyon"],
            title="Women entrepreneurs fund",
            summary="Microcredit and childcare.",
            challenges=("gender-equality", "economic-development"),
            sdgs=(5, 8),
            topics=("jobs",),
            start_year=2020,
            status="completed",
            days_ago=9,
        ),
        # never found: not published
        catalogue_practice(w["lyon"], title="Secret draft about women safety", state="draft"),
        catalogue_practice(
            w["paris"], title="Submitted participatory thing", state="submitted", language="fr"
        ),
        catalogue_practice(w["dakar"], title="Archived recycling scheme", state="archived"),
    ]
    return items


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(scope="module")
def _catalogue_world(module_transaction):
    with module_transaction.unblock():
        return make_world()


@pytest.fixture(scope="module")
def _catalogue_rows(_catalogue_world, module_transaction):
    with module_transaction.unblock():
        return make_catalogue(_catalogue_world)


@pytest.fixture
def catalogue(_catalogue_rows, request):
    request.getfixturevalue("db")
    return copy.deepcopy(_catalogue_rows)


@pytest.fixture
def catalogue_world(_catalogue_world, _catalogue_rows, request):
    """The cities of the module's catalogue (a test that also wants `world` would create the
    same countries a second time)."""
    request.getfixturevalue("db")
    return copy.deepcopy(_catalogue_world)


@pytest.fixture(scope="module")
def _catalogue_index(_catalogue_rows, module_transaction):
    """The index prefix of an Elasticsearch index of the module's catalogue, deleted after it."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    node = {
        "ELASTICSEARCH_URL": service_url("elasticsearch"),
        "SEARCH_BACKEND": "search.backends.elastic.ElasticsearchBackend",
        "ELASTICSEARCH_INDEX_PREFIX": prefix,
    }
    with override_settings(**node), module_transaction.unblock():
        get_client.cache_clear()
        try:
            backend = get_backend()
            backend.rebuild()
            backend.refresh()
        finally:
            get_client.cache_clear()
    yield prefix
    with override_settings(**node):
        get_client.cache_clear()
        get_client().options(ignore_status=404).indices.delete(index=f"{prefix}-*")
        get_client.cache_clear()


@pytest.fixture
def searchable(backend_name, catalogue, settings, request):
    """The catalogue, searchable as it is on the test's backend, for tests that only read it:
    the database backend reads the rows, Elasticsearch the module's index of them."""
    if backend_name == "elasticsearch":
        settings.ELASTICSEARCH_INDEX_PREFIX = request.getfixturevalue("_catalogue_index")
        get_client.cache_clear()
    return get_backend()


@pytest.fixture
def es_catalogue(es_settings, catalogue, request):
    """The catalogue, searchable as it is on Elasticsearch (the module's index of it)."""
    es_settings.ELASTICSEARCH_INDEX_PREFIX = request.getfixturevalue("_catalogue_index")
    get_client.cache_clear()
    return catalogue
