"""The anonymous search log: what is recorded (and what never is), one row per search a day,
the retention, and the gap view's reads, on the real database."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from search.backends.base import SearchQuery
from search.models import SearchQueryDay
from search.querylog import (
    search_log_purge,
    search_query_record,
    searches_by,
    searches_finding_little,
)
from search.tasks import purge_query_log

pytestmark = pytest.mark.django_db


def test_the_page_records_what_was_searched_and_never_who(client, django_user_model):
    user = django_user_model.objects.create_user(email="reader@example.org", password="x")
    client.force_login(user)
    client.get("/fr/search/", {"q": "  Jardins   PARTAGÉS ", "challenge": "quality-of-life"})
    client.get("/fr/search/", {"q": "jardins partagés", "challenge": "quality-of-life"})
    row = SearchQueryDay.objects.get()
    assert (row.text, row.language, row.filters) == (
        "jardins partagés",
        "fr",
        "challenge=quality-of-life",
    )
    assert (row.searches, row.results, row.day) == (2, 0, timezone.localdate())
    assert row.challenge == "quality-of-life" and row.region == ""
    # Nothing in the table can name the reader.
    columns = {f.name for f in SearchQueryDay._meta.get_fields()}
    assert columns == {
        "id", "day", "text", "language", "filters", "challenge", "region", "searches", "results"
    }  # fmt: skip
    assert user.email not in str(list(SearchQueryDay.objects.values()))


def test_browsing_paging_and_bad_searches_are_not_recorded(client):
    client.get("/en/search/")
    client.get("/en/search/", {"q": "water", "page": "2"})
    client.get("/en/search/", {"q": "water", "year_from": "abc"})
    client.get("/en/search/feed/", {"q": "water"})
    assert not SearchQueryDay.objects.exists()


def test_recording_is_one_statement():
    query = SearchQuery(text="bus lanes", language="en", filters={"region": ("150",)})
    with CaptureQueriesContext(connection) as ctx:
        search_query_record(query=query, results=4)
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("INSERT")
    search_query_record(query=query, results=3)
    row = SearchQueryDay.objects.get()
    assert (row.searches, row.results, row.region) == (2, 3, "150")


# PostgreSQL: its DDL is transactional, so the table dropped here comes back with the test's
# rollback; SQLite cannot alter the schema inside the test's transaction.
@pytest.mark.postgres
def test_a_failing_insert_never_breaks_the_search(monkeypatch, caplog):
    # The table gone (a migration not yet run): the search goes on, a warning is logged.
    with connection.schema_editor() as editor:
        editor.delete_model(SearchQueryDay)
    search_query_record(query=SearchQuery(text="parks", language="en"), results=1)
    assert "not recorded" in caplog.text
    with connection.schema_editor() as editor:
        editor.create_model(SearchQueryDay)


def test_old_rows_go_after_the_retention_period(settings):
    settings.SEARCH_LOG_RETENTION_DAYS = 180
    today = timezone.localdate()
    for age in (0, 180, 181, 400):
        search_query_record(
            query=SearchQuery(text=f"q{age}", language="en"),
            results=0,
            day=today - timedelta(days=age),
        )
    assert purge_query_log.delay().get() == 2
    assert sorted(SearchQueryDay.objects.values_list("text", flat=True)) == ["q0", "q180"]
    assert search_log_purge(days=0) == 1


def test_the_gap_reads_group_what_found_little():
    def record(text, results, times=1, **filters):
        for _ in range(times):
            search_query_record(
                query=SearchQuery(
                    text=text, language="en", filters={k: (v,) for k, v in filters.items()}
                ),
                results=results,
            )

    record("night buses", 0, times=3, challenge="gender-equality", region="002")
    record("tiny houses", 2, times=2, challenge="quality-of-life")
    record("parks", 40, times=5, challenge="quality-of-life")
    little = searches_finding_little()
    assert [(r["text"], r["count"], r["found"]) for r in little] == [
        ("night buses", 3, 0),
        ("tiny houses", 2, 2),
    ]
    by_challenge = {r["challenge"]: r for r in searches_by(field="challenge")}
    assert (
        by_challenge["quality-of-life"]["count"],
        by_challenge["quality-of-life"]["little"],
    ) == (7, 2)
    assert by_challenge["gender-equality"]["nothing"] == 3
    assert {r["region"]: r["little"] for r in searches_by(field="region")} == {"002": 3, "": 2}
