"""What the page and the API show of search by meaning: the "related" label, the notice when
meaning is unavailable, and the closest practices by meaning when words find few or none.

Which hits a backend finds by meaning is the backends' contract (tests/search/test_contract.py);
here a database backend that labels its answers in a known way stands in for it, so that these
tests say what the page does with any answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from search.backends.base import SearchPage, SearchQuery
from search.backends.database import DatabaseBackend

pytestmark = pytest.mark.django_db

LABELLED = f"{__name__}.LabelledBackend"


class LabelledBackend(DatabaseBackend):
    """Words as the database finds them; "offline" in a query means the embedder is down;
    by meaning (mode "semantic"), every practice the filters allow, labelled related; in a
    combined search, the hits of a query containing "related" are labelled related."""

    def search(self, query: SearchQuery) -> SearchPage:
        if query.mode == "semantic":
            page = super().search(replace(query, text="", mode="lexical"))
            for hit in page.hits:
                hit.related = True
            return replace(page, query=query)
        words = " ".join(w for w in query.text.split() if w not in ("offline", "related"))
        page = super().search(replace(query, text=words))
        page = replace(page, query=query)
        page.semantic_unavailable = "offline" in query.text
        for hit in page.hits:
            hit.related = "related" in query.text.split()
        return page


@pytest.fixture
def labelled(settings, catalogue):
    settings.SEARCH_BACKEND = LABELLED
    DatabaseBackend().rebuild()
    return catalogue


def test_related_hits_are_labelled_in_the_readers_language(client, labelled):
    html = client.get("/en/search/", {"q": "budget related"}).content.decode()
    assert '<span class="badge related"' in html
    assert ">related</span>" in html
    assert (
        ">apparentée</span>" in client.get("/fr/search/", {"q": "budget related"}).content.decode()
    )
    assert (
        ">relacionada</span>" in client.get("/es/search/", {"q": "budget related"}).content.decode()
    )
    plain = client.get("/en/search/", {"q": "budget"}).content.decode()
    assert "badge related" not in plain.split('id="closest-title"')[0]


def test_notice_when_meaning_is_unavailable(client, labelled):
    html = client.get("/en/search/", {"q": "budget offline"}).content.decode()
    assert "Search by meaning is unavailable for now" in html
    assert "Closest practices by meaning" not in html  # nothing to offer without the model
    assert (
        "Search by meaning is unavailable"
        not in client.get("/en/search/", {"q": "budget"}).content.decode()
    )


def test_no_dead_end_closest_practices_by_meaning(client, labelled):
    html = client.get("/en/search/", {"q": "zzzz nothing has these words"}).content.decode()
    assert "No practice matches this search." in html
    assert "Closest practices by meaning" in html
    closest = html.split('id="closest-title"')[1]
    assert "Safe streets for women at night" in closest
    fr = client.get("/fr/search/", {"q": "zzzz"}).content.decode()
    assert "Pratiques les plus proches par le sens" in fr


def test_closest_block_only_when_words_find_few(client, labelled):
    # Filters hold in the block too: only social cohesion practices are offered.
    html = client.get("/en/search/", {"q": "zzzz", "challenge": "social-cohesion"}).content.decode()
    closest = html.split('id="closest-title"')[1]
    assert "Safe streets for women at night" not in closest
    assert "Budget participatif" in closest
    # A query that finds enough by words, and a page without a text query, get no block.
    assert "Closest practices by meaning" not in client.get("/en/search/").content.decode()


def test_api_says_related_and_semantic_unavailable(client, labelled):
    body = client.get("/api/v1/search/practices/", {"q": "budget related"}).json()
    assert body["results"] and all(r["related"] is True for r in body["results"])
    assert body["semantic_unavailable"] is False
    body = client.get("/api/v1/search/practices/", {"q": "budget offline"}).json()
    assert body["semantic_unavailable"] is True
    assert all(r["related"] is False for r in body["results"])


def test_api_fields_on_the_real_backends(client, backend_name, sync_index, catalogue):
    sync_index()
    body = client.get("/api/v1/search/practices/", {"q": "budget"}).json()
    assert isinstance(body["semantic_unavailable"], bool)
    assert body["results"] and all(isinstance(r["related"], bool) for r in body["results"])


def _refreshed(catalogue, sync_index):
    from practices.vectors import vectors_refresh

    vectors_refresh(practice_ids=[p.pk for p in catalogue])
    sync_index()


def test_short_query_without_its_words_gets_the_closest_by_meaning(
    client, backend_name, sync_index, catalogue
):
    """The real model, both backends: "transport" is in no practice, and a one-word query
    scores low against a title and summary, yet the Spanish bus corridors are what it means
    (a French page, an English query: the language of the page changes nothing)."""
    _refreshed(catalogue, sync_index)
    for path, text in (("/en/search/", "transport"), ("/fr/search/", "women transport")):
        html = client.get(path, {"q": text}).content.decode()
        assert 'id="closest-title"' in html, text
        closest = html.split('id="closest-title"')[1]
        assert "Corredores de autobús" in closest, text
        assert "Recycling cooperatives" not in closest, text
        assert 'id="dead-end-title"' not in html


def test_a_query_that_means_nothing_here_gets_ways_forward_not_noise(
    client, backend_name, sync_index, catalogue
):
    _refreshed(catalogue, sync_index)
    for text in ("qwerty uiop", "asdfgh", "xyz"):
        html = client.get("/en/search/", {"q": text}).content.decode()
        assert "No practice matches this search." in html
        assert 'id="closest-title"' not in html, text  # nothing close enough to offer
        ways = html.split('id="dead-end-title"')[1]
        assert "?challenge=gender-equality" in ways and "Gender equality" in ways
        assert "without the filters" not in ways  # there were none
    fr = client.get("/fr/search/", {"q": "qwerty uiop", "sdg": "5", "year_from": "2019"})
    ways = fr.content.decode().split('id="dead-end-title"')[1]
    assert "D'autres façons de trouver une pratique" in fr.content.decode()
    assert "Égalité de genre" in ways
    # The way out keeps the words and drops every filter, years included.
    assert 'href="?q=qwerty+uiop"' in ways
