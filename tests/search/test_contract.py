"""One contract, both backends: the same data gives the same hits and the same facet counts,
and the counts match what is computed here directly from the database."""

import pytest

from cities.models import City
from practices.models import Practice
from search.backends.base import SearchQuery
from search.facets import FACETS, YEAR_BANDS

pytestmark = pytest.mark.django_db

SIZE = {
    "under-1m": (0, 999_999),
    "1m-3m": (1_000_000, 2_999_999),
    "3m-10m": (3_000_000, 9_999_999),
    "over-10m": (10_000_000, 10**12),
}


def values_of(practice, param):
    """The facet values of one practice, read from the models (independent of the backends)."""
    city = practice.city
    if param == "challenge":
        return {c.slug for c in practice.challenges.all()}
    if param == "sdg":
        return {str(s.number) for s in practice.sdgs.all()}
    if param == "topic":
        return {t.slug for t in practice.topics.all()}
    if param == "region":
        return {city.country.subregion.parent.code}
    if param == "country":
        return {city.country.iso2}
    if param == "city":
        return {city.slug}
    if param == "language":
        return {practice.language}
    if param == "status":
        return {practice.status}
    if param == "year":
        y = practice.start_year
        return {
            b
            for b, (lo, hi) in YEAR_BANDS.items()
            if y is not None and (lo is None or y >= lo) and (hi is None or y <= hi)
        }
    if param == "size_band":
        return {b for b, (lo, hi) in SIZE.items() if lo <= (city.population or 0) <= hi}
    if param == "award":
        return {"yes" if practice.awards else "no"}
    raise KeyError(param)


def expected(filters, *, skip=None):
    published = Practice.objects.filter(review_state="published").select_related(
        "city__country__subregion__parent"
    )
    out = []
    for p in published:
        if all(
            values_of(p, param) & set(vals)
            for param, vals in filters.items()
            if param != skip and vals
        ):
            out.append(p)
    return out


CASES = [
    {},
    {"challenge": ("sustainability",)},
    {"challenge": ("sustainability", "gender-equality")},  # OR within a facet
    {"challenge": ("social-cohesion",), "region": ("019",)},  # AND across facets
    {"topic": ("mobility", "participation"), "language": ("es", "fr")},
    {"sdg": ("11", "13"), "size_band": ("over-10m", "under-1m")},
    {"year": ("2015-2019", "2020-2024"), "status": ("ongoing",)},
    {"award": ("yes",)},
    {"country": ("SN",), "year": ("before-2010",)},
    {"city": ("lyon", "dakar"), "challenge": ("economic-development",)},
    {"challenge": ("no-such-challenge",)},
    {"sdg": ("99", "x")},
]


@pytest.mark.parametrize("filters", CASES, ids=[str(c) for c in CASES])
def test_hits_and_every_facet_count(searchable, filters):
    backend = searchable
    page = backend.search(SearchQuery(filters=filters, sort="newest", page_size=50))
    want = expected(filters)
    assert page.total == len(want)
    # newest first, and never an unpublished practice
    assert [h.id for h in page.hits] == [
        p.pk for p in sorted(want, key=lambda p: p.published_at, reverse=True)
    ]
    for facet in FACETS:
        base = expected(filters, skip=facet.param)
        counts = {}
        for p in base:
            for value in values_of(p, facet.param):
                counts[value] = counts.get(value, 0) + 1
        got = {fv.value: fv.count for fv in page.facets[facet.param] if fv.count}
        assert got == counts, facet.param
        selected = {fv.value for fv in page.facets[facet.param] if fv.selected}
        assert selected == set(filters.get(facet.param, ())), facet.param


@pytest.mark.elasticsearch
def test_both_backends_agree(es_catalogue):
    from search.backends.database import DatabaseBackend
    from search.backends.elastic import ElasticsearchBackend

    es = ElasticsearchBackend()
    db = DatabaseBackend()
    for filters in CASES:
        a = es.search(SearchQuery(filters=filters, sort="newest", page_size=50))
        b = db.search(SearchQuery(filters=filters, sort="newest", page_size=50))
        assert [h.id for h in a.hits] == [h.id for h in b.hits]
        for param in a.facets:
            assert [(v.value, v.count, v.selected) for v in a.facets[param]] == [
                (v.value, v.count, v.selected) for v in b.facets[param]
            ], param


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("participatory budgeting", None),
        ("women night", "Safe streets for women at night"),
        ("recycling", "Recycling cooperatives"),
        ("sponge", "Flood sponge districts"),
        ("Dakar", "Recycling cooperatives"),
    ],
)
def test_text_finds_the_practice(searchable, text, title):
    backend = searchable
    page = backend.search(SearchQuery(text=text))
    titles = [Practice.objects.get(pk=h.id).original.title for h in page.hits]
    if title:
        assert title in titles
    assert "Secret draft about women safety" not in titles
    assert "Archived recycling scheme" not in titles


def test_text_and_facets_combine(searchable):
    backend = searchable
    page = backend.search(SearchQuery(text="women", filters={"challenge": ("gender-equality",)}))
    titles = {Practice.objects.get(pk=h.id).original.title for h in page.hits}
    assert "Safe streets for women at night" in titles
    assert all("women" in t.lower() or "femmes" in t.lower() for t in titles)
    counts = {fv.value: fv.count for fv in page.facets["challenge"]}
    assert counts.get("gender-equality", 0) >= 1


def test_highlights_mark_the_words(searchable):
    backend = searchable
    page = backend.search(SearchQuery(text="recycling"))
    hit = next(
        h
        for h in page.hits
        if Practice.objects.get(pk=h.id).original.title == "Recycling cooperatives"
    )
    assert "<mark>Recycling</mark>" in hit.highlights["title"][0]


def test_pagination_and_cap(searchable):
    backend = searchable
    first = backend.search(SearchQuery(page_size=4, sort="newest"))
    second = backend.search(SearchQuery(page_size=4, page=2, sort="newest"))
    assert first.total == second.total == 9
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert backend.search(SearchQuery(page_size=4, page=50)).hits == []


def test_suggest_and_similar(searchable, catalogue):
    backend = searchable
    texts = [s["text"] for s in backend.suggest("Recy")]
    assert "Recycling cooperatives" in texts
    assert "Archived recycling scheme" not in texts
    assert backend.suggest("x") == []
    budget = next(p for p in catalogue if p.original.title == "Budget participatif")
    similar = backend.more_like_this(budget)
    assert similar and budget.pk not in similar
    titles = [Practice.objects.get(pk=pk).original.title for pk in similar]
    assert "Presupuesto participativo" in titles


def test_did_you_mean(searchable):
    backend = searchable
    page = backend.search(SearchQuery(text="recyclng cooperatves"))
    assert page.suggestion and "cooperatives" in page.suggestion


def test_city_size_is_a_facet(backend_name, sync_index, catalogue):
    City.objects.filter(slug="lyon").update(population=5_000_000)
    backend = sync_index()
    page = backend.search(SearchQuery(filters={"size_band": ("3m-10m",)}))
    assert {Practice.objects.get(pk=h.id).city.slug for h in page.hits} == {"lyon", "dakar"}
