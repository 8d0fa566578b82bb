"""The conversation journey of the issue, in English and in French, in a real Chromium: the
peer city reads why it was proposed, writes to the requester from the proposal, the requester
finds the message in "My conversations" with its unread count, answers, and the peer reads the
answer; the mails go out in each reader's language (read from the outgoing mail)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conversations.models import Message, Thread
from tests.factories import ExchangeFactory, ExchangeRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LANGUAGES = ["en", "fr"]
WHY = {"en": "Why Lyon was proposed", "fr": "Pourquoi Lyon a été proposée"}
MINE = {"en": "My conversations", "fr": "Mes conversations"}
GREETING = {"en": "Hello", "fr": "Bonjour"}


def _proposal(world):
    request = ExchangeRequestFactory(
        city=world["cities"]["dakar"],
        created_by=world["people"]["official"],
        need="Safer streets for women at night in the city centre.",
        taken=True,
        broker=world["people"]["broker"],
    )
    exchange = ExchangeFactory(match__request=request, match__peer_city=world["cities"]["lyon"])
    match = exchange.match
    match.practices.add(world["lighting"])
    match.explanation = {
        "reasons": [
            {
                "key": "matched_by_meaning",
                "practices": [world["lighting"].pk],
                "similarities": [0.61],
            }
        ]
    }
    match.save()
    return exchange


@pytest.mark.parametrize("language", LANGUAGES)
def test_peer_and_requester_exchange_messages_on_a_proposal(world, actors, language):
    for role in ("official", "peer"):
        world["people"][role].preferred_language = language
        world["people"][role].save()
    exchange = _proposal(world)

    peer = actors("peer", language)
    peer.sign_in("official@lyon.test")
    page = peer.page
    peer.goto(f"/exchanges/{exchange.pk}/")
    why = page.locator("section", has=page.locator("h2", has_text=WHY[language]))
    expect(why).to_contain_text("Safer street lighting")
    peer.shot("proposal")
    page.click(f"main a[href='/{language}/conversations/proposal/{exchange.match.pk}/']")
    page.wait_for_url(re.compile(rf"/{language}/conversations/\d+/$"))
    expect(page.locator("main")).to_contain_text("Dakar")
    expect(page.locator("main")).to_contain_text("official@dakar.test")
    page.fill("#id_body", "We can host a study visit in May.\nWho would come?")
    page.click("main form button[type=submit]")
    expect(page.locator("ol.messages-thread")).to_contain_text("We can host a study visit in May.")
    peer.shot("written")
    thread = Thread.objects.get(match=exchange.match)

    # The requester was mailed in their language, with a link to the thread.
    letter = next(m for m in mail.outbox if m.to == ["official@dakar.test"])
    assert GREETING[language] in letter.body
    assert f"/{language}/conversations/{thread.pk}/" in letter.body
    assert "> We can host a study visit in May." in letter.body

    official = actors("official", language)
    official.sign_in("official@dakar.test")
    page = official.page
    page.click(f"header nav a[href='/{language}/conversations/']")
    expect(page.locator("h1")).to_have_text(MINE[language])
    row = page.locator("tr", has=page.locator(f"a[href='/{language}/conversations/{thread.pk}/']"))
    expect(row.locator("strong")).to_contain_text("1")
    official.shot("inbox")
    row.locator("a").click()
    expect(page.locator("ol.messages-thread")).to_contain_text("Who would come?")
    page.fill("#id_body", "Two engineers and our deputy mayor. Thank you!")
    page.click("main form button[type=submit]")
    expect(page.locator("ol.messages-thread li")).to_have_count(2)
    official.shot("answered")

    peer.page.reload()
    expect(peer.page.locator("ol.messages-thread")).to_contain_text("our deputy mayor")
    peer.shot("read-answer")
    assert Message.objects.filter(thread=thread).count() == 2
    assert any(m.to == ["official@lyon.test"] for m in mail.outbox)
    for actor in (peer, official):
        assert actor.errors == [], f"{actor.name}: {actor.errors}"
