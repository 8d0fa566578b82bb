import uuid

import pytest
from django.utils import timezone

from cities.models import City, Country, Region
from conftest import service_url
from practices.models import Challenge, Practice, PracticeTranslation, Sdg, Topic
from search.backends import get_backend
from search.client import get_client


@pytest.fixture
def es_settings(settings):
    """Point the app at the test Elasticsearch node, with indices of its own."""
    settings.ELASTICSEARCH_URL = service_url("elasticsearch")
    settings.SEARCH_BACKEND = "search.backends.elastic.ElasticsearchBackend"
    settings.ELASTICSEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:12]}"
    get_client.cache_clear()
    yield settings
    client = get_client()
    client.options(ignore_status=404).indices.delete(
        index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*"
    )
    get_client.cache_clear()


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend_name(request, settings):
    if request.param == "elasticsearch":
        request.getfixturevalue("es_settings")
    else:
        settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    return request.param


@pytest.fixture
def sync_index(backend_name):
    """Bring the configured backend up to date with the database and make it searchable."""

    def sync():
        backend = get_backend()
        backend.rebuild()
        if backend_name == "elasticsearch":
            backend.refresh()
        return backend

    return sync


def _region(code, name, parent=None):
    return Region.objects.get_or_create(
        code=code,
        defaults={
            "name_en": name,
            "name_fr": name,
            "name_es": name,
            "level": "subregion" if parent else "region",
            "parent": parent,
        },
    )[0]


@pytest.fixture
def world():
    europe = _region("150", "Europe")
    africa = _region("002", "Africa")
    americas = _region("019", "Americas")
    countries = {
        "FR": Country.objects.create(
            iso2="FR",
            name_en="France",
            name_fr="France",
            name_es="Francia",
            subregion=_region("155", "Western Europe", europe),
        ),
        "SN": Country.objects.create(
            iso2="SN",
            name_en="Senegal",
            name_fr="Sénégal",
            name_es="Senegal",
            subregion=_region("202", "Sub-Saharan Africa", africa),
        ),
        "MX": Country.objects.create(
            iso2="MX",
            name_en="Mexico",
            name_fr="Mexique",
            name_es="México",
            subregion=_region("419", "Latin America and the Caribbean", americas),
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


def make(
    city,
    *,
    title,
    language="en",
    summary="A practice.",
    body="",
    challenges=("sustainability",),
    sdgs=(),
    topics=(),
    status="ongoing",
    start_year=None,
    awards="",
    state="published",
    translations=None,
    days_ago=0,
):
    practice = Practice.objects.create(
        city=city,
        language=language,
        status=status,
        start_year=start_year,
        awards=awards,
        review_state=state,
        published_at=timezone.now() - timezone.timedelta(days=days_ago)
        if state in ("published", "archived")
        else None,
    )
    PracticeTranslation.objects.create(
        master=practice, language_code=language, title=title, summary=summary, context=body
    )
    for lang, (t_title, t_summary, t_body) in (translations or {}).items():
        PracticeTranslation.objects.create(
            master=practice,
            language_code=lang,
            title=t_title,
            summary=t_summary,
            context=t_body,
            quality="human_checked",
        )
    practice.challenges.set(Challenge.objects.filter(slug__in=challenges))
    practice.sdgs.set(Sdg.objects.filter(number__in=sdgs))
    practice.topics.set(Topic.objects.filter(slug__in=topics))
    return practice


@pytest.fixture
def catalogue(world):
    """A dozen practices spread over every facet, plus some that must never be found."""
    w = world
    items = [
        make(
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
        make(
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
        make(
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
        make(
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
        make(
            w["dakar"],
            title="Flood sponge districts",
            summary="Rain gardens absorb storm water.",
            challenges=("sustainability",),
            sdgs=(6, 13),
            topics=("climate-adaptation", "water"),
            start_year=2022,
            days_ago=5,
        ),
        make(
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
        make(
            w["lyon"],
            title="Urban forest plan",
            summary="Trees where it is hottest.",
            challenges=("sustainability",),
            sdgs=(13, 15),
            topics=("green-spaces",),
            days_ago=7,
        ),
        make(
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
        make(
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
        make(w["lyon"], title="Secret draft about women safety", state="draft"),
        make(w["paris"], title="Submitted participatory thing", state="submitted", language="fr"),
        make(w["dakar"], title="Archived recycling scheme", state="archived"),
    ]
    return items


@pytest.fixture(autouse=True)
def _fresh_labels():
    from search import facets

    facets._LABEL_CACHE.clear()
    yield
    facets._LABEL_CACHE.clear()
