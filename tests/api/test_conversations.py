"""/api/v1/conversations/ from the outside: the same rules as the pages (a city never reads
another city's thread, brokers read all, anonymous is refused), messages read and posted, the
mails they send, and the daily limit on practice questions answered 429."""

import pytest
from django.core import mail

from conversations import services
from conversations.models import Message, Thread
from tests.factories import ExchangeFactory, MembershipFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_open_read_and_post_on_a_proposal(
    client_for, cast_, make_exchange, django_capture_on_commit_callbacks
):
    p = cast_["people"]
    exchange = make_exchange()
    peer = client_for(p["peer_official"])
    opened = peer.post("/api/v1/conversations/open/", {"match": exchange.match.pk}, format="json")
    assert opened.status_code == 200, opened.json()
    thread = opened.json()
    assert thread["kind"] == "proposal" and thread["exchange"] == exchange.pk
    with django_capture_on_commit_callbacks(execute=True):
        posted = peer.post(
            f"/api/v1/conversations/{thread['id']}/messages/",
            {"body": "Welcome in May <b>!</b>\x07"},
            format="json",
        )
    assert posted.status_code == 201, posted.json()
    assert posted.json()["body"] == "Welcome in May <b>!</b>"
    assert posted.json()["author_city"]["name"] == "Lyon"
    assert p["requester_official"].email in [m.to[0] for m in mail.outbox]

    requester = client_for(p["requester_official"])
    listed = requester.get("/api/v1/conversations/").json()
    assert [(t["id"], t["unread"]) for t in listed["results"]] == [(thread["id"], 1)]
    messages = requester.get(f"/api/v1/conversations/{thread['id']}/messages/").json()
    assert [m["body"] for m in messages["results"]] == ["Welcome in May <b>!</b>"]
    assert requester.post(f"/api/v1/conversations/{thread['id']}/read/").status_code == 200
    listed = requester.get("/api/v1/conversations/").json()
    assert [(t["id"], t["unread"]) for t in listed["results"]] == [(thread["id"], 0)]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("requester_official", 200),
        ("broker", 200),
        ("peer_official", 404),
        ("outsider_official", 404),
        ("nobody", 404),
        (None, 401),
    ],
)
def test_who_reads_the_request_thread(client_for, cast_, make_exchange, role, status):
    p = cast_["people"]
    exchange = make_exchange()
    request = exchange.match.request
    thread = services.thread_open_for_request(request=request, by=p["broker"])
    services.message_post(thread=thread, by=p["requester_official"], body="Between us")
    api = client_for(p[role] if role else None)
    assert api.get(f"/api/v1/conversations/{thread.pk}/").status_code == status
    assert api.get(f"/api/v1/conversations/{thread.pk}/messages/").status_code == status
    opened = api.post("/api/v1/conversations/open/", {"request": request.pk}, format="json")
    assert opened.status_code == status
    posted = api.post(
        f"/api/v1/conversations/{thread.pk}/messages/", {"body": "Me too"}, format="json"
    )
    assert posted.status_code == (201 if status == 200 else status)
    listed = api.get("/api/v1/conversations/")
    if status == 200:
        assert thread.pk in [t["id"] for t in listed.json()["results"]]
    elif status == 404:
        assert listed.json()["results"] == []


def test_a_peer_cannot_open_another_peers_thread(client_for, cast_, make_exchange):
    p = cast_["people"]
    mine = make_exchange()
    other = ExchangeFactory(match__request=mine.match.request, match__peer_city=cast_["outsider"])
    peer = client_for(p["peer_official"])
    opened = peer.post("/api/v1/conversations/open/", {"match": other.match.pk}, format="json")
    assert opened.status_code == 404
    assert not Thread.objects.filter(match=other.match).exists()


def test_input_is_refused_in_words(client_for, cast_, make_exchange):
    p = cast_["people"]
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=p["broker"])
    api = client_for(p["peer_official"])
    url = f"/api/v1/conversations/{thread.pk}/messages/"
    empty = api.post(url, {"body": "   "}, format="json")
    assert empty.status_code == 400 and empty.json()["errors"]["body"]
    long = api.post(url, {"body": "x" * 4001}, format="json")
    assert long.status_code == 400 and "4000" in long.json()["errors"]["body"][0]
    both = api.post("/api/v1/conversations/open/", {"request": 1, "match": 1}, format="json")
    assert both.status_code == 400
    assert not Message.objects.exists()


def test_practice_questions_are_limited_with_a_429(client_for, settings):
    settings.CONVERSATION_QUESTIONS_PER_DAY = 1
    practice = PracticeFactory()
    asker = MembershipFactory().user
    api = client_for(asker)
    first = api.post(
        "/api/v1/conversations/ask/", {"practice": practice.pk, "body": "How?"}, format="json"
    )
    assert first.status_code == 201 and first.json()["kind"] == "practice"
    second = api.post(
        "/api/v1/conversations/ask/", {"practice": practice.pk, "body": "And?"}, format="json"
    )
    assert second.status_code == 429 and second.json()["code"] == "throttled"
    assert "asked 1 question in the last 24 hours" in second.json()["detail"]
    own = client_for(MembershipFactory(city=practice.city).user)
    refused = own.post(
        "/api/v1/conversations/ask/", {"practice": practice.pk, "body": "Me?"}, format="json"
    )
    assert refused.status_code == 403
