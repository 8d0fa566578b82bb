"""The search page, the feed and the API: parameters, JSON shape, bad input, degraded mode."""

import json

import pytest

from practices.models import Practice

pytestmark = pytest.mark.django_db


NASTY = [
    'title:(women AND "night',  # Lucene syntax, unbalanced quote
    "((((",
    '"""',
    "a" * 500,
    "*?~^!{}[]\\/:+-&&||",
    "🚲 vélo 🌍",
    "nul\x00byte",
    "شوارع آمنة للنساء",  # right-to-left
    "<script>alert(1)</script>",
    "OR AND NOT",
    " ",
    "%00%ff",
    "\u202e\u200f",
]


@pytest.mark.parametrize("text", NASTY)
def test_any_query_string(client, searchable, text):
    response = client.get("/api/v1/search/practices/", {"q": text})
    assert response.status_code == 200, response.content
    assert isinstance(response.json()["total"], int)
    page = client.get("/en/search/", {"q": text})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert client.get("/api/v1/search/suggest/", {"q": text}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 10_000}, "q"),
        ({"page": "0"}, "page"),
        ({"page": "999999"}, "page"),
        ({"page": "two"}, "page"),
        ({"sort": "cheapest"}, "sort"),
        ({"year_from": "1800"}, "year_from"),
        ({"year_from": "2020", "year_to": "2010"}, "year_to"),
    ],
)
def test_bad_parameters_are_a_clear_400(client, searchable, params, field):
    response = client.get("/api/v1/search/practices/", params)
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"] and body["detail"]
    assert client.get("/en/search/", params).status_code == 400


@pytest.mark.parametrize("page", ["1", "2", "50"])
def test_any_page_in_range(client, searchable, page):
    response = client.get("/api/v1/search/practices/", {"page": page})
    assert response.status_code == 200


def test_unknown_facet_values_match_nothing(client, searchable):
    for params in (
        {"challenge": "nope"},
        {"sdg": "42"},
        {"sdg": "ten"},
        {"region": "xyz"},
        {"year": "1066"},
        {"award": "maybe"},
        {"size_band": "huge"},
    ):
        response = client.get("/api/v1/search/practices/", params)
        assert response.status_code == 200, params
        assert response.json()["total"] == 0


def test_json_shape(client, searchable):
    body = client.get(
        "/api/v1/search/practices/",
        {"q": "recycling", "challenge": ["sustainability", "economic-development"]},
    ).json()
    assert body["total"] >= 1 and body["degraded"] is False
    result = body["results"][0]
    assert set(result) >= {"id", "title", "summary", "city", "url", "highlights"}
    assert result["url"] == f"/en/practices/{result['id']}/"
    assert set(body["facets"]) == {
        "challenge",
        "sdg",
        "topic",
        "region",
        "country",
        "city",
        "language",
        "status",
        "year",
        "size_band",
        "award",
    }
    challenge = {v["value"]: v for v in body["facets"]["challenge"]}
    assert challenge["sustainability"]["selected"] and challenge["economic-development"]["selected"]
    assert challenge["sustainability"]["label"] == "Sustainability"
    fr = client.get(
        "/api/v1/search/practices/", {"challenge": "sustainability"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    assert {v["value"]: v["label"] for v in fr["facets"]["challenge"]}[
        "sustainability"
    ] == "Durabilité"


def test_page_shows_facets_chips_and_reproducible_links(client, searchable):
    html = client.get(
        "/en/search/", {"q": "budget", "challenge": "social-cohesion", "sort": "newest"}
    ).content.decode()
    assert "Challenge: Social cohesion ×" in html  # the chip
    assert "q=budget&amp;challenge=social-cohesion&amp;sort=newest" in html  # links keep the search
    assert "feed/?q=budget&amp;challenge=social-cohesion" in html


def test_feed(client, searchable):
    response = client.get("/en/search/feed/", {"challenge": "sustainability"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Recycling cooperatives" in response.content.decode()
    assert "Safe streets" not in response.content.decode()


def test_similar_practices_on_the_page(client, searchable, catalogue):
    budget = next(p for p in catalogue if p.original and p.original.title == "Budget participatif")
    html = client.get(budget.get_absolute_url()).content.decode()
    assert "Similar practices" in html and "Presupuesto participativo" in html


@pytest.mark.elasticsearch
def test_degraded_mode_when_elasticsearch_does_not_answer(client, es_settings, catalogue, settings):
    from search.client import get_client

    real_url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.ELASTICSEARCH_MAX_RETRIES = 0
    get_client.cache_clear()
    body = client.get("/api/v1/search/practices/", {"q": "recycling"}).json()
    assert body["degraded"] is True and body["total"] >= 1
    html = client.get("/en/search/", {"q": "recycling"}).content.decode()
    assert "search engine is not answering" in html
    assert client.get("/api/v1/search/suggest/", {"q": "Recy"}).json()["degraded"] is True
    export = client.get("/api/v1/search/practices/export/", {"q": "recycling", "output": "json"})
    meta = json.loads(b"".join(export.streaming_content))["meta"]
    assert meta["degraded"] is True and meta["count"] >= 1
    budget = next(p for p in catalogue if p.original and p.original.title == "Budget participatif")
    assert client.get(budget.get_absolute_url()).status_code == 200
    settings.ELASTICSEARCH_URL = real_url
    get_client.cache_clear()


@pytest.mark.elasticsearch
def test_a_french_query_finds_an_english_practice_through_its_translation(es_catalogue, client):
    body = client.get(
        "/api/v1/search/practices/", {"q": "rues sûres femmes"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    titles = [r["title"] for r in body["results"]]
    assert "Des rues sûres pour les femmes la nuit" in titles  # shown in French
    found = Practice.objects.get(pk=body["results"][0]["id"])
    assert found.language == "en"
    # stemming: "rue" (singular) finds "rues" through the french analyzer
    assert client.get("/api/v1/search/practices/", {"q": "rue"}).json()["total"] >= 1


@pytest.mark.elasticsearch
def test_a_spanish_query_finds_a_spanish_original(es_catalogue, client):
    body = client.get("/api/v1/search/practices/", {"q": "canción vecino"}).json()
    titles = [r["title"] for r in body["results"]]
    assert "Presupuesto participativo" in titles  # "canciones", "vecinos" stemmed by spanish


def test_results_show_a_small_cover_and_nothing_without_one(
    client, searchable, catalogue, media_root, settings
):
    """On both backends (the `searchable` fixture's parameters): the result of a practice with
    a cover shows its thumbnail, lazily and sized; the others show no image at all."""
    import io
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from accounts.services import EDITOR, user_grant_staff_role
    from practices.services import practice_attachment_add
    from tests.factories import UserFactory

    budget = next(p for p in catalogue if p.original and p.original.title == "Budget participatif")
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 140, 90)).save(buffer, "JPEG")
    cover = practice_attachment_add(
        practice=budget,
        by=user_grant_staff_role(user=UserFactory(), role=EDITOR),
        upload=SimpleUploadedFile("vote.jpg", buffer.getvalue()),
        alt_text="Des habitants votent dans une salle municipale",
        as_cover=True,
    )
    html = client.get("/en/search/", {"challenge": "social-cohesion"}).content.decode()
    items = re.findall(r'<li class="practice-item[^"]*">.*?</li>', html, re.S)
    url = budget.get_absolute_url()
    with_cover = [item for item in items if f'href="{url}"' in item]
    assert len(with_cover) == 1
    image = re.search(r"<img [^>]*>", with_cover[0]).group(0)
    assert f'src="/attachments/{cover.pk}/w320/"' in image
    assert 'width="320" height="240"' in image and 'loading="lazy"' in image
    assert 'alt="Des habitants votent dans une salle municipale"' in image and 'lang="fr"' in image
    others = [item for item in items if f'href="{url}"' not in item]
    assert others and all("<img" not in item for item in others)
