"""Conversations on exchange requests and proposals, from the outside: who reads which thread,
what a message looks like on the page, the mails it sends and the inbox's unread counts."""

import re

import pytest
from django.core import mail

from conversations import services
from conversations.models import Message, Thread
from tests.factories import ExchangeFactory, PracticeFactory

pytestmark = pytest.mark.django_db

PEOPLE = [
    "requester_official",
    "requester_practitioner",
    "peer_official",
    "peer_practitioner",
    "broker",
    "broker2",
    "outsider_official",
    "nobody",
]


def _open(client, user, url):
    client.force_login(user)
    response = client.get(url)
    if response.status_code != 302:
        return response.status_code, None
    return 200, int(re.search(r"/conversations/(\d+)/$", response["Location"]).group(1))


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("requester_official", True),
        ("requester_practitioner", True),
        ("broker", True),
        ("broker2", True),  # every broker, not only the request's
        ("peer_official", False),  # the requester's talk with the secretariat is theirs
        ("peer_practitioner", False),
        ("outsider_official", False),
        ("nobody", False),
    ],
)
def test_request_thread_is_the_requester_and_the_secretariat(
    client, cast_, make_exchange, role, reads
):
    exchange = make_exchange()
    request = exchange.match.request
    thread = services.thread_open_for_request(request=request, by=cast_["people"]["broker"])
    status, opened = _open(
        client, cast_["people"][role], f"/en/conversations/request/{request.pk}/"
    )
    assert (status == 200 and opened == thread.pk) is reads
    assert status in (200, 404)
    assert (client.get(f"/en/conversations/{thread.pk}/").status_code == 200) is reads
    posted = client.post(f"/en/conversations/{thread.pk}/", {"body": "Hello"})
    assert posted.status_code == (302 if reads else 404)
    assert Message.objects.filter(thread=thread).count() == (1 if reads else 0)


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("requester_official", True),
        ("requester_practitioner", True),
        ("peer_official", True),
        ("peer_practitioner", True),
        ("broker", True),
        ("outsider_official", False),
        ("nobody", False),
    ],
)
def test_proposal_thread_is_the_two_cities_and_the_secretariat(
    client, cast_, make_exchange, role, reads
):
    exchange = make_exchange()
    status, opened = _open(
        client, cast_["people"][role], f"/en/conversations/proposal/{exchange.match.pk}/"
    )
    assert status == (200 if reads else 404)
    if reads:
        assert client.get(f"/en/conversations/{opened}/").status_code == 200


def test_a_peer_never_reads_another_peers_thread(client, cast_, make_exchange):
    p = cast_["people"]
    mine = make_exchange()
    # The same request is also proposed to the outsider city.
    other = ExchangeFactory(match__request=mine.match.request, match__peer_city=cast_["outsider"])
    other_thread = services.thread_open_for_match(match=other.match, by=p["broker"])
    services.message_post(thread=other_thread, by=p["outsider_official"], body="Our secret offer")
    client.force_login(p["peer_official"])
    assert client.get(f"/en/conversations/{other_thread.pk}/").status_code == 404
    assert client.get(f"/en/conversations/proposal/{other.match.pk}/").status_code == 404
    assert client.post(f"/en/conversations/{other_thread.pk}/", {"body": "x"}).status_code == 404
    inbox = client.get("/en/conversations/").content.decode()
    assert "Our secret offer" not in inbox and f"/conversations/{other_thread.pk}/" not in inbox
    # ... while the requester and the secretariat see both proposals' threads.
    client.force_login(p["requester_official"])
    assert client.get(f"/en/conversations/{other_thread.pk}/").status_code == 200


def test_a_suggested_peer_has_no_thread_yet(client, cast_, make_exchange):
    from tests.factories import MatchFactory

    exchange = make_exchange()
    suggested = MatchFactory(request=exchange.match.request, peer_city=cast_["outsider"])
    client.force_login(cast_["people"]["broker"])
    assert client.get(f"/en/conversations/proposal/{suggested.pk}/").status_code == 404
    assert not Thread.objects.filter(match=suggested).exists()


def test_anonymous_is_sent_to_sign_in(client, cast_, make_exchange):
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=cast_["people"]["broker"])
    for url in (
        "/en/conversations/",
        f"/en/conversations/{thread.pk}/",
        f"/en/conversations/proposal/{exchange.match.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(f"/en/conversations/{thread.pk}/", {"body": "x"}).status_code == 302
    assert not Message.objects.exists()


def test_the_peer_sees_why_it_was_proposed_and_who_it_talks_to(client, cast_, make_exchange):
    p = cast_["people"]
    exchange = make_exchange()
    match = exchange.match
    practice = PracticeFactory(city=cast_["peer"], text__title="Lit walking routes")
    match.practices.add(practice)
    match.explanation = {
        "reasons": [
            {"key": "matched_by_meaning", "practices": [practice.pk], "similarities": [0.6]}
        ]
    }
    match.save()
    client.force_login(p["peer_official"])
    page = client.get(f"/en/exchanges/{exchange.pk}/").content.decode()
    assert "Why Lyon was proposed" in page and "Lit walking routes" in page
    assert f"/conversations/proposal/{match.pk}/" in page
    _status, thread_pk = _open(
        client, p["peer_official"], f"/en/conversations/proposal/{match.pk}/"
    )
    page = client.get(f"/en/conversations/{thread_pk}/").content.decode()
    assert "Why Lyon was proposed" in page and "Lit walking routes" in page
    # The counterparts, by name and city.
    assert "Dakar" in page and str(p["requester_official"]) in page
    assert p["requester_official"].email in page


def test_a_message_is_shown_escaped_and_mailed_to_the_others_in_their_language(
    client, cast_, make_exchange, post
):
    p = cast_["people"]
    p["requester_official"].preferred_language = "fr"
    p["requester_official"].save()
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=p["peer_official"])
    body = "We can host you in May.\n<script>alert(1)</script>\nBring\x1b your team."
    message = post(thread, p["peer_official"], body)
    assert message.body == "We can host you in May.\n<script>alert(1)</script>\nBring your team."
    assert message.author_city == cast_["peer"]

    by_address = {m.to[0]: m for m in mail.outbox}
    # The requesting city, the other member of the peer city and the request's broker; not the
    # author, not the other broker (the request has one), not the outsider.
    assert set(by_address) == {
        p["requester_official"].email,
        p["requester_practitioner"].email,
        p["peer_practitioner"].email,
        p["broker"].email,
    }
    link = f"https://pt.example.org/fr/conversations/{thread.pk}/"
    french = by_address[p["requester_official"].email]
    assert french.subject.startswith("[Policy Transfer]") and "Lyon" in french.subject
    assert "Bonjour" in french.body and link in french.body
    assert "> We can host you in May." in french.body
    english = by_address[p["broker"].email]
    assert "Hello" in english.body and "/en/conversations/" in english.body
    assert english.body.count("\n") >= 8  # a letter, not one line

    client.force_login(p["requester_official"])
    page = client.get(f"/en/conversations/{thread.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert str(p["peer_official"]) in page and "Lyon" in page


def test_messages_are_validated_in_words(client, cast_, make_exchange, settings):
    p = cast_["people"]
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=p["broker"])
    client.force_login(p["peer_official"])
    empty = client.post(f"/en/conversations/{thread.pk}/", {"body": "  \t "})
    assert empty.status_code == 400 and "Write a message." in empty.content.decode()
    long = client.post(f"/en/conversations/{thread.pk}/", {"body": "a" * 4001})
    assert long.status_code == 400 and "at most 4000 characters" in long.content.decode()
    french = client.post(f"/fr/conversations/{thread.pk}/", {"body": ""})
    assert french.status_code == 400 and "Écrivez un message." in french.content.decode()
    assert "Texte brut, 4000 caractères au plus." in french.content.decode()
    assert not Message.objects.exists()
    with pytest.raises(services.ValidationError):
        services.message_post(thread=thread, by=p["peer_official"], body="a" * 4001)


def test_the_inbox_counts_unread_messages(client, cast_, make_exchange, post):
    p = cast_["people"]
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=p["peer_official"])
    post(thread, p["peer_official"], "First")
    post(thread, p["peer_practitioner"], "Second")
    client.force_login(p["requester_official"])
    rows = client.get("/en/conversations/").context["rows"]
    assert [(t.pk, t.unread) for t, _title in rows] == [(thread.pk, 2)]
    client.get(f"/en/conversations/{thread.pk}/")
    rows = client.get("/en/conversations/").context["rows"]
    assert [(t.pk, t.unread) for t, _title in rows] == [(thread.pk, 0)]
    # One's own messages are never unread; the author's counter is not moved by them.
    client.force_login(p["peer_official"])
    rows = client.get("/en/conversations/").context["rows"]
    assert [(t.pk, t.unread) for t, _title in rows] == [(thread.pk, 1)]
    # The outsider's inbox is empty.
    client.force_login(p["outsider_official"])
    assert list(client.get("/en/conversations/").context["rows"]) == []


def test_the_navigation_links_to_the_inbox_for_signed_in_people(client, cast_):
    assert "/en/conversations/" not in client.get("/en/").content.decode()
    client.force_login(cast_["people"]["nobody"])
    assert 'href="/en/conversations/"' in client.get("/en/").content.decode()


def test_the_request_page_links_to_the_threads(client, cast_, make_exchange):
    p = cast_["people"]
    exchange = make_exchange()
    request = exchange.match.request
    client.force_login(p["requester_official"])
    page = client.get(f"/en/exchanges/requests/{request.pk}/").content.decode()
    assert f"/conversations/request/{request.pk}/" in page
    assert f"/conversations/proposal/{exchange.match.pk}/" in page
    client.force_login(p["peer_official"])
    page = client.get(f"/en/exchanges/requests/{request.pk}/").content.decode()
    assert f"/conversations/request/{request.pk}/" not in page


def test_the_pages_carry_csrf_tokens_and_no_inline_script(client, cast_, make_exchange, post):
    p = cast_["people"]
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=p["peer_official"])
    post(thread, p["peer_official"], "Hello")
    practice = PracticeFactory(city=cast_["peer"])
    pages = [
        (p["requester_official"], "/en/conversations/"),
        (p["requester_official"], f"/en/conversations/{thread.pk}/"),
        (p["requester_official"], f"/en/conversations/practice/{practice.pk}/ask/"),
        (p["requester_official"], f"/en/practices/{practice.pk}/"),
        (p["peer_official"], f"/en/conversations/practice/{practice.pk}/contacts/"),
        (p["peer_official"], f"/en/exchanges/{exchange.pk}/"),
    ]
    for user, url in pages:
        client.force_login(user)
        page = client.get(url).content.decode()
        assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"'), url
        assert "<script>" not in page and " style=" not in page and " onclick=" not in page, url


def test_the_sweep_mails_what_was_not_queued_once(cast_, make_exchange):
    from datetime import timedelta

    from django.utils import timezone

    from conversations.tasks import sweep_message_notifications

    p = cast_["people"]
    exchange = make_exchange()
    thread = services.thread_open_for_match(match=exchange.match, by=p["peer_official"])
    # Posted without its after-commit task running (the broker was down).
    message = services.message_post(thread=thread, by=p["peer_official"], body="Hello")
    assert mail.outbox == []
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert sweep_message_notifications() == 4
    assert sweep_message_notifications() == 0
    assert len(mail.outbox) == 4
