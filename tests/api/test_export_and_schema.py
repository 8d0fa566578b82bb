"""Exports of a search (CSV and JSON, streamed, up to 10,000 rows, past the search page
window), and the published schema and docs."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from practices.models import Practice, PracticeTranslation
from search.backends import get_backend
from tests.factories import CityFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def _body(response):
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def _csv(response):
    text = _body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _bulk_published(count, city):
    now = timezone.now()
    practices = Practice.objects.bulk_create(
        [
            Practice(
                city=city,
                language="en",
                review_state="published",
                published_at=now - timezone.timedelta(minutes=i),
                start_year=2015,
            )
            for i in range(count)
        ]
    )
    PracticeTranslation.objects.bulk_create(
        [
            PracticeTranslation(
                master=p, language_code="en", title=f"Street {p.pk}", summary="Quiet streets."
            )
            for p in practices
        ]
    )
    return practices


def test_export_follows_the_search_order_in_csv_and_json(backend_name, sync_index):
    city = CityFactory(name="Lyon", slug="lyon")
    practices = _bulk_published(30, city)
    PracticeFactory(city=city, review_state="draft", published_at=None)
    sync_index()
    client = APIClient()
    search = client.get("/api/v1/search/practices/?sort=newest&page_size=30").json()
    rows = _csv(client.get("/api/v1/search/practices/export/?sort=newest"))
    assert [int(r["id"]) for r in rows] == [hit["id"] for hit in search["results"]]
    assert len(rows) == 30 and {r["city"] for r in rows} == {"Lyon"}
    assert rows[0]["url"].startswith("http://testserver/")
    as_json = json.loads(_body(client.get("/api/v1/search/practices/export/?output=json")))
    assert as_json["meta"]["count"] == 30
    assert {r["id"] for r in as_json["results"]} == {p.pk for p in practices}
    limited = _csv(client.get("/api/v1/search/practices/export/?sort=newest&limit=5"))
    assert [r["id"] for r in limited] == [r["id"] for r in rows[:5]]


@pytest.mark.elasticsearch
def test_export_goes_past_the_page_window(es_settings):
    """The search pages stop at 1,000 results; an export reads on, up to 10,000."""
    _bulk_published(1_050, CityFactory())
    backend = get_backend()
    backend.rebuild()
    backend.refresh()
    response = APIClient().get("/api/v1/search/practices/export/?sort=newest")
    rows = _csv(response)
    assert response["X-Total-Count"] == "1050"
    assert len(rows) == 1_050 == len({r["id"] for r in rows})
    expected = list(Practice.objects.order_by("-published_at", "-id").values_list("pk", flat=True))
    assert [int(r["id"]) for r in rows] == expected


def test_export_cells_cannot_run_as_spreadsheet_formulas(settings):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    PracticeFactory(text__title='=HYPERLINK("http://evil.example","x")', text__summary="+1-2")
    rows = _csv(APIClient().get("/api/v1/search/practices/export/"))
    assert rows[0]["title"].startswith("'=")
    assert rows[0]["summary"] == "'+1-2"


@pytest.mark.parametrize(
    "query, field",
    [
        ("output=xlsx", "output"),
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=abc", "limit"),
        ("sort=random", "sort"),
        ("year_from=1200", "year_from"),
    ],
)
def test_export_rejects_bad_parameters(settings, query, field):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    response = APIClient().get(f"/api/v1/search/practices/export/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]


def test_schema_is_valid_without_warnings():
    # drf-spectacular fails on any warning: an undocumented parameter, an unnamed enum…
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_and_docs_are_served():
    client = APIClient()
    schema = client.get("/api/schema.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/cities/",
        "/api/v1/taxonomy/",
        "/api/v1/practices/",
        "/api/v1/practices/{id}/submit/",
        "/api/v1/practices/{id}/publish/",
        "/api/v1/practices/{id}/request-changes/",
        "/api/v1/practices/{id}/archive/",
        "/api/v1/search/practices/",
        "/api/v1/search/suggest/",
        "/api/v1/search/practices/export/",
        "/api/v1/exchange-requests/",
        "/api/v1/exchange-requests/{id}/matches/",
        "/api/v1/exchanges/",
        "/api/v1/exchanges/{id}/accept/",
        "/api/v1/auth/token/",
        "/api/v1/auth/tokens/",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary") or method == "get", (
                path,
                method,
            )
            assert "429" in operation["responses"], (path, method)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # nothing inline, so the site's Content-Security-Policy applies as it is
    assert b"<script>" not in docs.content.replace(b" ", b"")
    assert b"<style" not in docs.content
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_a_fresh_process_loads_the_api_settings():
    """DRF reads its settings (which name api.limits classes) while api.errors is imported:
    a fresh process must not trip over that circle, whatever imports first."""
    import subprocess
    import sys

    code = (
        "import django; django.setup();"
        "from rest_framework.settings import api_settings;"
        "print(api_settings.DEFAULT_PARSER_CLASSES[0].__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "LimitedJSONParser"
