"""The whole journey of an API client, on each search backend, with commits as in production
(so the search index is kept up to date by the real outbox path, not by a rebuild):
a practitioner writes and submits a practice, an editor publishes it, anyone finds it through
search with facets and exports it, an official files an exchange request, a broker ranks and
proposes the peer city, the peer accepts, and the exchange runs to its evaluation."""

import csv
import io
import json

import pytest
from django.utils import timezone

from accounts.services import BROKER, EDITOR, user_grant_staff_role
from search.backends import get_backend
from tests.factories import CityFactory, MembershipFactory, UserFactory


def _searchable(backend_name):
    if backend_name == "elasticsearch":
        get_backend().refresh()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_journey(backend_name, settings, _fresh_labels, client_for):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lyon = CityFactory(name="Lyon", slug="lyon", languages=["fr", "en"])
    dakar = CityFactory(name="Dakar", slug="dakar", languages=["fr"])
    writer = MembershipFactory(city=lyon, role="practitioner").user
    lyon_official = MembershipFactory(city=lyon, role="official").user
    dakar_official = MembershipFactory(city=dakar, role="official").user
    editor = user_grant_staff_role(user=UserFactory(), role=EDITOR)
    broker = user_grant_staff_role(user=UserFactory(), role=BROKER)
    as_writer, as_editor, as_broker = client_for(writer), client_for(editor), client_for(broker)
    as_dakar, as_lyon = client_for(dakar_official), client_for(lyon_official)
    anyone = client_for(None)
    get_backend().rebuild()

    # 1. write and submit
    created = as_writer.post(
        "/api/v1/practices/",
        {
            "city": "lyon",
            "language": "fr",
            "title": "Rues apaisées autour des écoles",
            "summary": "Les rues des écoles fermées aux voitures aux heures d'entrée.",
            "sections": {
                "context": "Le bruit et la pollution devant les écoles.",
                "results": "Moins de bruit, plus d'enfants à pied ou à vélo.",
            },
            "challenges": ["sustainability", "quality-of-life"],
            "sdgs": [3, 11],
            "start_year": 2021,
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    submitted = as_writer.post(f"/api/v1/practices/{pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["review_state"] == "submitted"

    # not yet public
    assert anyone.get(f"/api/v1/practices/{pk}/").status_code == 404

    # 2. an editor publishes
    published = as_editor.post(f"/api/v1/practices/{pk}/publish/", {"note": "Merci."})
    assert published.status_code == 200 and published.json()["review_state"] == "published"
    _searchable(backend_name)

    # 3. anyone finds it with two facets, in French, and exports the search
    found = anyone.get(
        "/api/v1/search/practices/?q=écoles&challenge=sustainability&sdg=11",
        HTTP_ACCEPT_LANGUAGE="fr",
    ).json()
    assert [r["id"] for r in found["results"]] == [pk]
    facets = {f["value"]: f for f in found["facets"]["challenge"]}
    assert facets["sustainability"]["selected"] and facets["sustainability"]["count"] == 1
    assert facets["quality-of-life"]["label"] == "Qualité de vie"
    exported = anyone.get("/api/v1/search/practices/export/?challenge=sustainability")
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode()[1:])))
    assert [int(r["id"]) for r in rows] == [pk]
    as_json = anyone.get("/api/v1/search/practices/export/?output=json&q=écoles")
    assert [r["id"] for r in json.loads(b"".join(as_json.streaming_content))["results"]] == [pk]

    # 4. an official of Dakar files a request
    filed = as_dakar.post(
        "/api/v1/exchange-requests/",
        {
            "city": "dakar",
            "challenges": ["sustainability"],
            "need": "Nous voulons apaiser les rues autour des écoles du centre-ville.",
            "languages": ["fr"],
        },
    )
    assert filed.status_code == 201, filed.content
    request_id = filed.json()["id"]
    assert filed.json()["state"] == "open"
    assert as_writer.get(f"/api/v1/exchange-requests/{request_id}/").status_code == 404

    # 5. a broker takes it, ranks the peers, and proposes Lyon
    assert as_broker.post(f"/api/v1/exchange-requests/{request_id}/take/").status_code == 200
    ranked = as_broker.post(f"/api/v1/exchange-requests/{request_id}/rank/")
    assert ranked.status_code == 200, ranked.content
    peers = ranked.json()["results"]
    assert peers[0]["peer_city"]["slug"] == "lyon"
    assert peers[0]["explanation"] and peers[0]["practices"][0]["id"] == pk
    assert "dakar" not in [p["peer_city"]["slug"] for p in peers]
    assert as_dakar.get(f"/api/v1/exchange-requests/{request_id}/matches/").json()["count"] == (
        len(peers)
    )
    proposed = as_broker.post(
        f"/api/v1/exchange-requests/{request_id}/matches/{peers[0]['id']}/propose/"
    )
    assert proposed.status_code == 201, proposed.content
    exchange_id = proposed.json()["id"]
    assert proposed.json()["state"] == "proposed"

    # 6. Lyon sees the request, its own proposal only, and accepts
    assert as_lyon.get(f"/api/v1/exchange-requests/{request_id}/").status_code == 200
    own = as_lyon.get(f"/api/v1/exchange-requests/{request_id}/matches/").json()["results"]
    assert [m["peer_city"]["slug"] for m in own] == ["lyon"]
    assert as_lyon.get(f"/api/v1/exchanges/{exchange_id}/").json()["actions"] == [
        "accept",
        "decline",
    ]
    accepted = as_lyon.post(f"/api/v1/exchanges/{exchange_id}/accept/", {"note": "Avec plaisir"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"

    # 7. the exchange runs to its end and both cities evaluate it
    # Starting today: an exchange cannot start before its start date (docs/workflows.md).
    today = timezone.localdate().isoformat()
    step = as_broker.post(f"/api/v1/exchanges/{exchange_id}/schedule/", {"starts_on": today})
    assert step.json()["state"] == "scheduled"
    assert as_broker.post(f"/api/v1/exchanges/{exchange_id}/start/").json()["state"] == (
        "in_progress"
    )
    assert as_broker.post(f"/api/v1/exchanges/{exchange_id}/complete/").json()["state"] == (
        "completed"
    )
    first = as_dakar.post(
        f"/api/v1/exchanges/{exchange_id}/evaluations/",
        {"city": "dakar", "outcome": "adapted", "practice": pk, "helped": "La visite."},
    )
    assert first.status_code == 201, first.content
    second = as_lyon.post(
        f"/api/v1/exchanges/{exchange_id}/evaluations/", {"city": "lyon", "outcome": "not_adopted"}
    )
    assert second.json()["state"] == "evaluated"
    assert anyone.get(f"/api/v1/practices/{pk}/").json()["adapted_count"] == 1
    assert as_dakar.get(f"/api/v1/exchange-requests/{request_id}/").json()["state"] == "closed"
