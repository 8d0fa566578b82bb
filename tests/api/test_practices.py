"""Practices over the API, from the outside: who sees and does what, the error shape, stale
updates, and a bounded number of queries per list page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.models import Practice, PracticeTransition
from tests.factories import (
    CityFactory,
    CountryFactory,
    PracticeFactory,
    RegionFactory,
    SubregionFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "practitioner",
    "official",
    "other_practitioner",
    "other_official",
    "editor",
    "broker",
    "nobody",
]


def new_practice_body(city="lyon", **changes):
    body = {
        "city": city,
        "language": "fr",
        "title": "Budget participatif des quartiers",
        "summary": "Les habitants votent un budget pour leur quartier.",
        "sections": {"context": "Des quartiers éloignés des décisions.", "results": "12 projets."},
        "challenges": ["social-cohesion"],
        "sdgs": [11, 16],
        "start_year": 2019,
    }
    body.update(changes)
    return body


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}, body
    assert body["code"] == code, body
    assert body["detail"].strip()
    return body


# Who may read a practice in each state (the web's rule, practices/selectors.py).
READERS = {
    "draft": {"practitioner", "official", "editor"},
    "submitted": {"practitioner", "official", "editor"},
    "published": set(ROLES),
    "archived": set(ROLES),
}


@pytest.mark.parametrize("state", sorted(READERS))
def test_detail_and_list_visibility(clients, make_practice, state):
    practice = make_practice(state)
    for role in ROLES:
        detail = clients[role].get(f"/api/v1/practices/{practice.pk}/")
        listed = clients[role].get("/api/v1/practices/?page_size=100").json()["results"]
        if role in READERS[state]:
            assert detail.status_code == 200, (role, state)
            assert detail.json()["id"] == practice.pk
            assert practice.pk in [p["id"] for p in listed], (role, state)
        else:
            assert_error(detail, 404, "not_found")
            assert practice.pk not in [p["id"] for p in listed], (role, state)


def test_create_by_member_only(clients, people):
    for role in ("anonymous",):
        assert_error(
            clients[role].post("/api/v1/practices/", new_practice_body()), 401, "not_authenticated"
        )
    for role in ("other_practitioner", "other_official", "editor", "broker", "nobody"):
        response = clients[role].post("/api/v1/practices/", new_practice_body(), format="json")
        assert_error(response, 403, "permission_denied")
    assert Practice.objects.count() == 0

    response = clients["practitioner"].post(
        "/api/v1/practices/", new_practice_body(), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/practices/{body['id']}/"
    assert body["review_state"] == "draft"
    assert body["title"] == "Budget participatif des quartiers"
    assert body["challenges"] == ["social-cohesion"]
    assert sorted(body["sdgs"]) == [11, 16]
    assert body["actions"] == ["edit", "delete", "submit"]
    practice = Practice.objects.get()
    assert practice.created_by == people["practitioner"]
    assert practice.original.context == "Des quartiers éloignés des décisions."


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"challenges": []}, "challenges"),
        ({"challenges": ["no-such-challenge"]}, "challenges"),
        ({"sdgs": [18]}, "sdgs"),
        ({"language": "de"}, "language"),
        ({"city": "atlantis"}, "city"),
        ({"start_year": 2020, "end_year": 2010}, "end_year"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"partner_cities": ["lyon"]}, "partner_cities"),
        ({"sections": {"context": "x" * 20_001}}, "sections.context"),
    ],
)
def test_create_rejects_bad_input_field_by_field(clients, changes, field):
    response = clients["practitioner"].post(
        "/api/v1/practices/", new_practice_body(**changes), format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert field in body["errors"], body
    assert all(message.strip() for message in body["errors"][field])
    assert Practice.objects.count() == 0


def test_errors_come_in_the_requested_language(clients):
    response = clients["practitioner"].post(
        "/api/v1/practices/",
        new_practice_body(challenges=[]),
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    body = assert_error(response, 400, "invalid")
    assert body["errors"]["challenges"] == ["Choisissez au moins un défi."]


def test_malformed_json_and_wrong_content_type(clients):
    response = clients["practitioner"].post(
        "/api/v1/practices/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")
    response = clients["practitioner"].post(
        "/api/v1/practices/", "<xml/>", content_type="application/xml"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_body_over_the_limit_is_refused_before_parsing(clients, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    body = new_practice_body(sections={"context": "é" * 20_000})
    response = clients["practitioner"].post("/api/v1/practices/", body, format="json")
    assert_error(response, 413, "too_large")
    assert Practice.objects.count() == 0


def test_update_full_and_partial(clients, make_practice):
    practice = make_practice("draft")
    url = f"/api/v1/practices/{practice.pk}/"
    response = clients["practitioner"].patch(url, {"title": "Nouveau titre"}, format="json")
    assert response.status_code == 200, response.content
    practice.refresh_from_db()
    original = practice.original
    assert original.title == "Nouveau titre"
    assert original.summary  # kept
    assert practice.challenges.exists()  # kept

    response = clients["practitioner"].put(
        url,
        {k: v for k, v in new_practice_body().items() if k not in ("city", "language")},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Budget participatif des quartiers"


def test_stale_update_is_a_conflict_and_changes_nothing(clients, make_practice):
    practice = make_practice("draft")
    url = f"/api/v1/practices/{practice.pk}/"
    first = clients["practitioner"].get(url)
    version = first.json()["version"]
    assert first["ETag"] == f'"{version}"'

    ok = clients["official"].patch(
        url, {"title": "Version de l'officielle"}, HTTP_IF_MATCH=f'"{version}"', format="json"
    )
    assert ok.status_code == 200, ok.content

    stale = clients["practitioner"].patch(
        url, {"title": "Ancienne version", "version": version}, format="json"
    )
    assert_error(stale, 409, "stale")
    stale = clients["practitioner"].patch(
        url, {"title": "Ancienne version"}, HTTP_IF_MATCH=f'"{version}"', format="json"
    )
    assert_error(stale, 409, "stale")
    practice.refresh_from_db()
    assert practice.original.title == "Version de l'officielle"
    # a whole replacement from the old version is refused the same way
    full = {k: v for k, v in new_practice_body().items() if k not in ("city", "language")}
    stale = clients["practitioner"].put(url, {**full, "version": version}, format="json")
    assert_error(stale, 409, "stale")
    stale = clients["practitioner"].put(url, full, HTTP_IF_MATCH=f'"{version}"', format="json")
    assert_error(stale, 409, "stale")
    practice.refresh_from_db()
    assert practice.original.title == "Version de l'officielle"


@pytest.mark.parametrize(
    "role, status",
    [
        ("anonymous", 401),
        ("other_practitioner", 404),
        ("broker", 404),
        ("nobody", 404),
        ("editor", 200),
        ("practitioner", 200),
    ],
)
def test_edit_permissions(clients, make_practice, role, status):
    practice = make_practice("draft")
    response = clients[role].patch(
        f"/api/v1/practices/{practice.pk}/", {"title": "Changed"}, format="json"
    )
    assert response.status_code == status, (role, response.content)
    practice.refresh_from_db()
    assert (practice.original.title == "Changed") == (status == 200)


def test_published_practice_cannot_be_edited_by_its_city(clients, make_practice):
    practice = make_practice("published")
    response = clients["practitioner"].patch(
        f"/api/v1/practices/{practice.pk}/", {"title": "Changed"}, format="json"
    )
    assert_error(response, 403, "permission_denied")


# (transition, starting state, role) -> expected status; every other pairing is tested by the
# service tests (tests/practices/test_workflow.py), here the API's mapping of each outcome.
@pytest.mark.parametrize(
    "path, state, role, status, code",
    [
        ("submit", "draft", "practitioner", 200, None),
        ("submit", "draft", "other_practitioner", 404, "not_found"),
        ("submit", "draft", "anonymous", 401, "not_authenticated"),
        ("submit", "published", "practitioner", 409, "conflict"),
        ("publish", "submitted", "editor", 200, None),
        ("publish", "submitted", "official", 403, "permission_denied"),
        ("publish", "draft", "editor", 409, "conflict"),
        ("request-changes", "submitted", "editor", 400, "invalid"),  # the note is required
        ("archive", "published", "official", 200, None),
        ("archive", "published", "practitioner", 403, "permission_denied"),
        ("archive", "published", "other_official", 403, "permission_denied"),
        ("withdraw", "submitted", "practitioner", 200, None),
        ("unpublish", "published", "editor", 400, "invalid"),
        ("restore", "archived", "editor", 200, None),
    ],
)
def test_transition_outcomes(clients, make_practice, path, state, role, status, code):
    practice = make_practice(state)
    before = PracticeTransition.objects.count()
    response = clients[role].post(f"/api/v1/practices/{practice.pk}/{path}/", {}, format="json")
    if code:
        assert_error(response, status, code)
        practice.refresh_from_db()
        assert practice.review_state == state
        assert PracticeTransition.objects.count() == before
    else:
        assert response.status_code == 200, response.content
        assert response.json()["review_state"] != state
        assert PracticeTransition.objects.count() == before + 1


def test_request_changes_with_a_note(clients, make_practice):
    practice = make_practice("submitted")
    response = clients["editor"].post(
        f"/api/v1/practices/{practice.pk}/request-changes/",
        {"note": "Ajoutez les résultats chiffrés."},
        format="json",
    )
    assert response.status_code == 200
    body = clients["practitioner"].get(f"/api/v1/practices/{practice.pk}/").json()
    assert body["review_state"] == "changes_requested"
    assert body["history"][-1]["note"] == "Ajoutez les résultats chiffrés."
    # the history is the city's and the editors' business
    make_published = clients["other_practitioner"].get(f"/api/v1/practices/{practice.pk}/")
    assert make_published.status_code == 404


def test_filters(clients, make_practice, other_city):
    lyon = make_practice("published", challenges=["sustainability"])
    quito = PracticeFactory(
        city=other_city, review_state="published", challenges=["gender-equality"]
    )
    got = clients["anonymous"].get("/api/v1/practices/?challenge=sustainability").json()
    assert [p["id"] for p in got["results"]] == [lyon.pk]
    got = clients["anonymous"].get("/api/v1/practices/?city=quito").json()
    assert [p["id"] for p in got["results"]] == [quito.pk]
    got = (
        clients["anonymous"]
        .get("/api/v1/practices/?challenge=sustainability&challenge=gender-equality")
        .json()
    )
    assert sorted(p["id"] for p in got["results"]) == sorted([lyon.pk, quito.pk])
    africa = RegionFactory(code="002", name_en="Africa")
    senegal = CountryFactory(
        iso2="SN", iso3="SEN", subregion=SubregionFactory(code="202", parent=africa)
    )
    dakar = PracticeFactory(city=CityFactory(country=senegal), review_state="published")
    for region, expected in (("002", [dakar]), ("202", [dakar]), ("150", [lyon, quito])):
        got = clients["anonymous"].get(f"/api/v1/practices/?region={region}").json()
        assert sorted(p["id"] for p in got["results"]) == sorted(p.pk for p in expected)
    bad = clients["anonymous"].get("/api/v1/practices/?challenge=nope&review_state=lost")
    body = assert_error(bad, 400, "invalid")
    assert {"challenge", "review_state"} <= set(body["errors"])


def test_pagination_is_bounded(clients, make_practice):
    for _ in range(3):
        make_practice("published")
    page = clients["anonymous"].get("/api/v1/practices/?page_size=1000").json()
    assert page["count"] == 3
    assert len(page["results"]) == 3  # capped at 100, and there are 3
    assert_error(clients["anonymous"].get("/api/v1/practices/?page=99"), 404, "not_found")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


@pytest.mark.parametrize("role", ["anonymous", "practitioner", "editor"])
def test_list_query_count_does_not_grow_with_the_page(clients, make_practice, role):
    for i in range(40):
        make_practice("published").sdgs.set([1 + i % 17, 1 + (i + 5) % 17])
    _queries(clients[role], "/api/v1/taxonomy/")  # the token's first use is recorded once
    small, page_small = _queries(clients[role], "/api/v1/practices/?page_size=2")
    large, page_large = _queries(clients[role], "/api/v1/practices/?page_size=40")
    assert len(page_small["results"]) == 2 and len(page_large["results"]) == 40
    assert small == large
    assert large <= 12


def test_translations_over_the_api(clients, make_practice):
    practice = make_practice("draft")
    url = f"/api/v1/practices/{practice.pk}/translations/es/"
    body = {
        "title": "Presupuesto participativo",
        "summary": "Los vecinos votan.",
        "sections": {"context": "Barrios lejos de las decisiones."},
        "quality": "human_checked",
    }
    for role, status in (
        ("anonymous", 401),
        ("other_practitioner", 404),
        ("broker", 404),
    ):
        assert clients[role].put(url, body).status_code == status, role
    assert not practice.translations.filter(language_code="es").exists()
    done = clients["practitioner"].put(url, body)
    assert done.status_code == 200, done.content
    texts = {t["language"]: t for t in done.json()["texts"]}
    assert texts["es"]["quality"] == "human_checked"
    assert texts["es"]["sections"]["context"] == "Barrios lejos de las decisiones."
    spanish = (
        clients["practitioner"]
        .get(f"/api/v1/practices/{practice.pk}/", HTTP_ACCEPT_LANGUAGE="es")
        .json()
    )
    assert spanish["title"] == "Presupuesto participativo" and spanish["text_language"] == "es"
    bad = clients["practitioner"].put(url, {**body, "quality": "original"})
    assert bad.status_code == 400 and "quality" in bad.json()["errors"]
    original = clients["practitioner"].put(
        f"/api/v1/practices/{practice.pk}/translations/{practice.language}/", body
    )
    assert original.status_code == 400 and "language" in original.json()["errors"]
    assert clients["practitioner"].delete(url).status_code == 200
    assert not practice.translations.filter(language_code="es").exists()
    assert (
        clients["practitioner"]
        .put(f"/api/v1/practices/{practice.pk}/translations/de/", body)
        .status_code
        == 404
    )


def test_ordering_for_a_review_queue(clients, make_practice):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    late = make_practice("submitted", submitted_at=now)
    early = make_practice("submitted", submitted_at=now - timedelta(days=3))
    make_practice("draft")
    queue = clients["editor"].get("/api/v1/practices/?review_state=submitted&ordering=submitted")
    assert [p["id"] for p in queue.json()["results"]] == [early.pk, late.pk]
    bad = clients["editor"].get("/api/v1/practices/?ordering=title")
    assert bad.status_code == 400 and "ordering" in bad.json()["errors"]


def test_detail_lists_attachments(clients, make_practice, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from practices.services import practice_attachment_add

    practice = make_practice("draft")
    practice_attachment_add(
        practice=practice,
        by=people["practitioner"],
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        title="Le plan",
    )
    body = clients["official"].get(f"/api/v1/practices/{practice.pk}/").json()
    assert [(a["title"], a["kind"], a["content_type"]) for a in body["attachments"]] == [
        ("Le plan", "pdf", "application/pdf")
    ]


def test_attachment_files_through_the_api_with_the_practices_rule(
    client_for, people, make_practice
):
    """Issue 14, item 3: the url of an attachment is an endpoint that applies the practice's
    visibility, with the same token as the practice."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from practices.services import practice_attachment_add

    PDF = b"%PDF-1.4\n%%EOF\n"

    def attach(practice, name):
        return practice_attachment_add(
            practice=practice, by=people["practitioner"], upload=SimpleUploadedFile(name, PDF)
        )

    attachment = attach(make_practice("draft"), name="report.pdf")
    member = client_for(people["official"])
    body = member.get(f"/api/v1/practices/{attachment.practice_id}/").json()
    url = body["attachments"][0]["url"]
    assert url == (
        f"http://testserver/api/v1/practices/{attachment.practice_id}/attachments/{attachment.pk}/"
    )
    response = member.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert client_for(people["other_official"]).get(url).status_code == 404
    assert client_for(None).get(url).status_code in (401, 404)
    # another practice's id in the path does not reach the file
    other = make_practice("published")
    wrong = f"/api/v1/practices/{other.pk}/attachments/{attachment.pk}/"
    assert member.get(wrong).status_code == 404


def test_every_field_error_is_reported_at_once(clients):
    response = clients["practitioner"].post(
        "/api/v1/practices/", new_practice_body(title="", challenges=[], sdgs=[40])
    )
    body = assert_error(response, 400, "invalid")
    assert {"title", "challenges", "sdgs"} <= set(body["errors"])


@pytest.mark.parametrize(
    "moment, status",
    [
        ("2026-01-01T10:00:00-20:00", 200),  # Python accepts it, PostgreSQL would not as is
        ("9999-12-31T23:00:00-20:00", 400),  # past year 9999 in UTC
        ("yesterday", 400),
    ],
)
def test_date_filters_take_any_iso_offset(clients, make_practice, moment, status):
    make_practice("published")
    response = clients["anonymous"].get("/api/v1/practices/", {"updated_since": moment})
    assert response.status_code == status, response.content


def test_long_list_counts_are_reused_briefly_short_ones_stay_exact(
    clients, make_practice, monkeypatch
):
    from api.limits import CachedCountPaginator

    monkeypatch.setattr(CachedCountPaginator, "LONG", 3)
    for _ in range(2):
        make_practice("published")
    assert clients["anonymous"].get("/api/v1/practices/").json()["count"] == 2
    make_practice("published")
    assert clients["anonymous"].get("/api/v1/practices/").json()["count"] == 3  # short: exact
    make_practice("published")
    # 3 reached LONG when it was counted: that count is reused for a few seconds
    assert clients["anonymous"].get("/api/v1/practices/").json()["count"] == 3
    # another reader's query (an editor sees drafts too) is counted on its own
    assert clients["editor"].get("/api/v1/practices/").json()["count"] == 4
