"""The secretariat's dashboard, gap view and pipeline from the outside: who may see them, the
figures against a small world whose answers are worked out by hand, the CSV downloads, and a
number of SQL queries that does not grow with the data."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import BROKER, EDITOR, user_grant_staff_role
from exchanges.models import Exchange, ExchangeEvent, ExchangeRequest, Match
from search.backends.base import SearchQuery
from search.querylog import search_query_record
from tests.factories import (
    CityFactory,
    CountryFactory,
    ExchangeRequestFactory,
    MembershipFactory,
    UserFactory,
    region,
)

pytestmark = pytest.mark.django_db

PAGES = ["/en/dashboard/", "/en/dashboard/gaps/", "/en/dashboard/csv/funnel.csv"]


def _city(name, iso2, sub, sub_name, parent, parent_name):
    subregion = region(sub, sub_name, parent=region(parent, parent_name))
    return CityFactory(
        name=name, country=CountryFactory(iso2=iso2, iso3="", m49="", subregion=subregion)
    )


def _request(city, *, days_ago, challenges, state="open", broker=None):
    request = ExchangeRequestFactory(city=city, challenges=challenges, state=state, broker=broker)
    created = timezone.now() - timedelta(days=days_ago)
    ExchangeRequest.objects.filter(pk=request.pk).update(created_at=created)
    request.refresh_from_db()
    return request


def _exchange(request, peer, *, steps, score=0.9):
    """An exchange of `request` with `peer` that went through `steps` [(state, days after the
    request was filed)], its state the last one."""
    match = Match.objects.create(request=request, peer_city=peer, score=score, status="proposed")
    exchange = Exchange.objects.create(match=match, state=steps[-1][0])
    previous = ""
    for state, after in steps:
        ExchangeEvent.objects.create(
            exchange=exchange,
            from_state=previous,
            to_state=state,
            at=request.created_at + timedelta(days=after),
        )
        previous = state
    Exchange.objects.filter(pk=exchange.pk).update(
        created_at=request.created_at + timedelta(days=steps[0][1])
    )
    return exchange


@pytest.fixture
def world(settings):
    settings.EXCHANGE_OVERDUE_AFTER_DAYS = 30
    accra = _city("Accra", "GH", "011", "Western Africa", "002", "Africa")
    berlin = _city("Berlin", "DE", "155", "Western Europe", "150", "Europe")
    cork = _city("Cork", "IE", "154", "Northern Europe", "150", "Europe")
    r1 = _request(accra, days_ago=40, challenges=["gender-equality"])
    r2 = _request(berlin, days_ago=10, challenges=["sustainability"], state="matched")
    _exchange(r2, cork, steps=[("proposed", 2), ("accepted", 4), ("scheduled", 5),
                               ("in_progress", 6), ("completed", 8)])  # fmt: skip
    r3 = _request(
        accra, days_ago=60, challenges=["gender-equality", "sustainability"], state="in_review"
    )
    _exchange(r3, cork, steps=[("proposed", 6), ("declined", 7)])
    r4 = _request(berlin, days_ago=5, challenges=["quality-of-life"], state="in_review")
    Match.objects.create(request=r4, peer_city=accra, score=0.2)
    return {"requests": [r1, r2, r3, r4], "accra": accra, "berlin": berlin, "cork": cork}


@pytest.fixture
def staff():
    return {
        "broker": user_grant_staff_role(user=UserFactory(), role=BROKER),
        "editor": user_grant_staff_role(user=UserFactory(), role=EDITOR),
        "practitioner": MembershipFactory(role="practitioner").user,
        "official": MembershipFactory(role="official").user,
    }


# --- who may see ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGES, "/en/exchanges/pipeline/"])
def test_a_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["practitioner", "official"])
@pytest.mark.parametrize("path", [*PAGES, "/en/exchanges/pipeline/"])
def test_city_people_are_refused(client, staff, role, path):
    client.force_login(staff[role])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["broker", "editor"])
@pytest.mark.parametrize("path", PAGES)
def test_the_secretariat_sees_the_figures(client, staff, role, path):
    client.force_login(staff[role])
    assert client.get(path).status_code == 200


def test_the_pipeline_is_the_brokers(client, staff):
    client.force_login(staff["editor"])
    assert client.get("/en/exchanges/pipeline/").status_code == 403
    client.force_login(staff["broker"])
    assert client.get("/en/exchanges/pipeline/").status_code == 200


def test_the_menu_leads_only_the_secretariat_to_the_dashboard(client, staff):
    client.force_login(staff["official"])
    assert 'href="/en/dashboard/"' not in client.get("/en/").content.decode()
    client.force_login(staff["broker"])
    assert 'href="/en/dashboard/"' in client.get("/en/").content.decode()


# --- the figures ----------------------------------------------------------------------------


def _csv(client, name, language="en"):
    response = client.get(f"/{language}/dashboard/csv/{name}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{name}-' in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_funnel_medians_and_overdue(client, staff, world):
    client.force_login(staff["broker"])
    assert _csv(client, "funnel") == [
        ["Step", "Requests"],
        ["filed", "4"],
        ["a peer proposed", "2"],
        ["an exchange accepted", "1"],
        ["an exchange completed", "1"],
        ["an exchange evaluated", "0"],
    ]
    # To the first proposal: 2 and 6 days, median 4; acceptance 4; completion 8.
    assert _csv(client, "median-days")[1:] == [
        ["a peer proposed", "4.0", "2"],
        ["an exchange accepted", "4.0", "1"],
        ["an exchange completed", "8.0", "1"],
    ]
    overdue = _csv(client, "overdue")
    assert [row[:2] for row in overdue[1:]] == [["Accra", "60"], ["Accra", "40"]]
    page = client.get("/en/dashboard/").content.decode()
    assert "2 requests have waited more than 30 days" in page
    assert f'href="/en/exchanges/requests/{world["requests"][2].pk}/"' in page


def test_states_challenges_regions_and_cities(client, staff, world):
    client.force_login(staff["broker"])
    states = dict(_csv(client, "requests-by-state")[1:])
    assert (states["open"], states["taken by a broker"], states["matched"]) == ("1", "2", "1")
    exchanges = dict(_csv(client, "exchanges-by-state")[1:])
    assert (exchanges["completed"], exchanges["declined"], exchanges["proposed"]) == ("1", "1", "0")
    challenges = dict(_csv(client, "requests-by-challenge")[1:])
    assert challenges["Gender equality"] == "2" and challenges["Sustainability"] == "2"
    assert challenges["Quality of life"] == "1"
    assert _csv(client, "requests-by-region")[1:] == [["Africa", "2"], ["Europe", "2"]]
    assert _csv(client, "help-by-region")[1:] == [["Europe", "1"]]
    assert _csv(client, "cities-most-asked")[1:] == [["Cork", "2"]]
    assert _csv(client, "cities-most-helping")[1:] == [["Cork", "1"]]
    months = _csv(client, "requests-per-month")
    assert len(months) == 13 and sum(int(n) for _m, n in months[1:]) == 4


def test_the_page_draws_each_chart_with_its_table_and_download(client, staff, world):
    client.force_login(staff["broker"])
    page = client.get("/fr/dashboard/").content.decode()
    assert page.count('<svg class="columns"') == 2
    assert page.count("<table") >= 12 and page.count("download>") >= 12
    assert "Télécharger" in page and 'href="/fr/dashboard/csv/funnel.csv"' in page
    assert "style=" not in page and "<script" not in page


def test_the_csv_is_in_the_readers_language(client, staff, world):
    client.force_login(staff["broker"])
    assert _csv(client, "funnel", "fr")[0] == ["Étape", "Demandes"]


# --- the gap view ---------------------------------------------------------------------------


def test_needs_without_a_good_match(client, staff, world):
    client.force_login(staff["editor"])
    unmatched = _csv(client, "unmatched")
    # r1 has no ranked peer, r4's best scores 0.2; r3 was proposed to a peer scoring 0.9 and
    # r2 is matched.
    assert [(row[0], row[2], row[3]) for row in unmatched[1:]] == [
        ("Accra", "—", "no"),
        ("Berlin", "0.2", "no"),
    ]
    assert dict(_csv(client, "unmatched-by-region")[1:]) == {"Africa": "1", "Europe": "1"}
    by_challenge = dict(_csv(client, "unmatched-by-challenge")[1:])
    assert (by_challenge["Gender equality"], by_challenge["Quality of life"]) == ("1", "1")
    assert by_challenge["Sustainability"] == "0"


def test_searches_that_found_little_and_csv_formulas(client, staff):
    for text, results in (("=HYPERLINK(\"http://x\",\"y\")", 0), ("night, \"buses\"", 1),
                          ("parks", 30)):  # fmt: skip
        search_query_record(
            query=SearchQuery(text=text, language="en", filters={"challenge": ("sustainability",)}),
            results=results,
        )
    client.force_login(staff["broker"])
    rows = _csv(client, "searches-little")
    texts = [row[0] for row in rows[1:]]
    # A formula is shown as typed, not run; commas and quotes survive the round trip.
    assert texts == ['\'=hyperlink("http://x","y")', 'night, "buses"']
    grouped = _csv(client, "searches-little-by-challenge")
    assert grouped[1:] == [["Sustainability", "2", "1", "3"]]
    page = client.get("/en/dashboard/gaps/").content.decode()
    assert "Kept 180 days, without who searched." in page
    assert "=hyperlink(&quot;http://x&quot;,&quot;y&quot;)" in page  # escaped on the page


def test_an_unknown_figure_is_404(client, staff):
    client.force_login(staff["broker"])
    assert client.get("/en/dashboard/csv/nothing.csv").status_code == 404


# --- the pipeline ---------------------------------------------------------------------------


def test_the_pipeline_lists_exchanges_in_progress_with_their_next_step(client, staff, world):
    broker = staff["broker"]
    r5 = _request(world["cork"], days_ago=20, challenges=["sustainability"], broker=broker)
    waiting = _exchange(r5, world["berlin"], steps=[("proposed", 1), ("accepted", 3)])
    client.force_login(broker)
    page = client.get("/en/exchanges/pipeline/").content.decode()
    # The completed one (waiting for its evaluations) and the accepted one; not the declined.
    assert "2 exchanges in progress" in page
    assert "A broker or an official schedules the dates" in page
    assert "Evaluations: 0 of 2 recorded" in page
    assert f'href="/en/exchanges/{waiting.pk}/"' in page
    # Days in its state: accepted 17 days ago.
    assert '<td data-label="Days in this state">17</td>' in page

    def listed(**params):
        return client.get("/en/exchanges/pipeline/", params).content.decode().count('class="lead"')

    assert listed(broker=broker.pk) == 1
    assert listed(broker="none") == 1
    assert listed(challenge="sustainability") == 2
    assert listed(region="002") == 0 and listed(region="150") == 2
    assert listed(state="accepted") == 1
    assert client.get("/en/exchanges/pipeline/", {"region": "zzz"}).status_code == 200


# --- the cost does not grow with the data --------------------------------------------------


def _grow(world, n):
    for i in range(n):
        request = _request(
            world["berlin"] if i % 2 else world["accra"],
            days_ago=3 + i,
            challenges=["sustainability", "gender-equality"][: 1 + i % 2],
        )
        _exchange(request, world["cork"], steps=[("proposed", 1), ("accepted", 2)])
        Match.objects.create(request=request, peer_city=world["berlin"], score=0.1 * (i % 5))
        search_query_record(query=SearchQuery(text=f"query {i}", language="en"), results=i % 3)


@pytest.mark.parametrize("path", [*PAGES[:2], "/en/exchanges/pipeline/"])
def test_queries_do_not_grow_with_the_data(client, staff, world, path):
    client.force_login(staff["broker"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    _grow(world, 3)
    small = count()
    _grow(world, 40)
    assert count() == small


def test_the_medians_computed_in_python_agree_with_the_database(world):
    """PostgreSQL computes the funnel and medians in one aggregate; SQLite (development)
    computes them in Python from the same per-request rows. Both give the same answer."""
    from dashboard.selectors import _firsts_rows, _reached, medians_of

    reached = _reached()
    assert reached == medians_of(_firsts_rows())
    assert (reached["n_proposed"], reached["d_proposed"]) == (2, timedelta(days=4))
