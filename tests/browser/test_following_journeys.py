"""The journeys of following and invitations (issue 15), in English and in French, in a real
Chromium: a broker invites someone for a city with nobody, who signs up through the link and
accepts the city's proposal; a user saves a search, a matching practice is published, the
digest arrives once in the user's language and its unsubscribe link works signed out. The mails
are read from the outgoing mail (Django's outbox)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from exchanges.models import Exchange
from following.digests import digest_run
from following.models import SavedSearch
from practices.services import practice_transition
from search.backends import get_backend
from tests.factories import ExchangeFactory, ExchangeRequestFactory, PracticeFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LANGUAGES = ["en", "fr"]
WORDS = {
    "en": {
        "invite": "Invite someone from Quito",
        "subject": "Join Quito",
        "stop": "E-mail stopped",
        "used": "Invitation already used",
    },
    "fr": {
        "invite": "Inviter quelqu’un de Quito",
        "subject": "Rejoignez Quito",
        "stop": "Courriel arrêté",
        "used": "Invitation déjà utilisée",
    },
}


def _no_console_errors(*actors):
    for actor in actors:
        assert actor.errors == [], f"{actor.name}: {actor.errors}"


def _path(url: str) -> str:
    """The path of a link from a mail, without the site and without the language prefix (an
    actor adds its own)."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    return re.sub(r"^/(en|fr|es)/", "/", path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_broker_invites_someone_for_a_city_with_nobody_who_signs_up_and_accepts(
    world, actors, language
):
    dakar, quito = world["cities"]["dakar"], world["cities"]["quito"]
    request = ExchangeRequestFactory(
        city=dakar,
        created_by=world["people"]["official"],
        need="Electric buses for the centre.",
        taken=True,
        broker=world["people"]["broker"],
    )
    exchange = ExchangeFactory(match__request=request, match__peer_city=quito)

    broker = actors("broker", language)
    broker.sign_in("broker@metropolis.test")
    page = broker.page
    page.click(f"header nav a[href='/{language}/exchanges/board/']")
    warning = page.locator("p.nobody", has_text="Quito")
    expect(warning).to_have_count(1)
    broker.shot("board-warns")
    warning.get_by_role("link", name=WORDS[language]["invite"]).click()
    expect(page.locator("#id_city option:checked")).to_contain_text("Quito")
    page.fill("#id_email", "ana.quito@example.org")
    page.select_option("#id_role", "official")
    page.select_option("#id_language", language)
    broker.shot("invitation-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/exchanges/board/"))
    broker.shot("invitation-sent")

    [sent] = [m for m in mail.outbox if m.to == ["ana.quito@example.org"]]
    assert WORDS[language]["subject"] in sent.subject
    link = re.search(r"https?://\S+/invitations/\S+/", sent.body).group(0)

    invitee = actors("invitee", language)
    page = invitee.page
    invitee.goto(_path(link))
    expect(page.locator("h1")).to_contain_text("Quito")
    invitee.shot("sign-up")
    page.fill("#id_first_name", "Ana")
    page.fill("#id_last_name", "Pérez")
    page.fill("#id_password", "a-long-enough-pass-phrase")
    page.fill("#id_password_again", "a-long-enough-pass-phrase")
    page.select_option("#id_language", language)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/{language}/exchanges/mine/$"))
    invitee.shot("signed-up")
    assert User.objects.get(email="ana.quito@example.org").memberships.get().city == quito
    # The proposal waiting for Quito is the first thing on the page; they accept it.
    page.click(f"main a[href='/{language}/exchanges/{exchange.pk}/']")
    page.fill("#note-accept", "Con gusto.")
    page.click("form[action$='/step/accept/'] button")
    page.wait_for_url(re.compile(rf"/exchanges/{exchange.pk}/$"))
    exchange.refresh_from_db()
    assert exchange.state == Exchange.State.ACCEPTED
    invitee.shot("accepted")
    _no_console_errors(broker, invitee)
    # The link worked once (the browser logs the 410 itself).
    assert invitee.goto(_path(link)).status == 410
    expect(invitee.page.locator("h1")).to_have_text(WORDS[language]["used"])
    invitee.shot("link-used")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_saved_search_brings_one_digest_whose_link_unsubscribes_signed_out(
    world, actors, language
):
    reader = world["people"]["practitioner"]
    reader.preferred_language = language
    reader.save(update_fields=["preferred_language"])
    user = actors("reader", language)
    user.sign_in("practitioner@dakar.test")
    page = user.page
    user.goto("/search/?q=jardins")
    page.get_by_role(
        "link", name="Enregistrer cette recherche" if language == "fr" else "Save this search"
    ).click()
    page.fill("#id_name", "Jardins")
    page.select_option("#id_frequency", "daily")
    user.shot("save-search")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/{language}/following/searches/$"))
    user.shot("saved-searches")
    assert SavedSearch.objects.get(user=reader).query == "q=jardins"

    # A practice that matches is published; the search index catches up after the commit.
    practice = PracticeFactory(
        city=world["cities"]["lyon"],
        language="fr",
        review_state="submitted",
        published_at=None,
        text__title="Jardins partagés sur les toits",
        text__summary="Des jardins sur les toits des écoles.",
    )
    practice_transition(practice=practice, by=world["people"]["editor"], name="publish")
    get_backend().refresh()

    assert digest_run(frequency="daily").mails == 1
    assert digest_run(frequency="daily").mails == 0
    [digest] = [m for m in mail.outbox if m.to == [reader.email]]
    assert ("nouvelle pratique" if language == "fr" else "new practice") in digest.subject
    assert "Jardins partagés sur les toits" in digest.body
    assert ("Trouvée par" if language == "fr" else "Found by") in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest.extra_headers["List-Unsubscribe"].strip("<>")

    # From the mail, signed out: a page that asks, then a button that does it.
    stranger = actors("from-the-mail", language)
    page = stranger.page
    stranger.goto(_path(unsubscribe))
    expect(page.locator("main li")).to_contain_text("Jardins")
    stranger.shot("unsubscribe")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text(WORDS[language]["stop"])
    stranger.shot("unsubscribed")
    assert SavedSearch.objects.get(user=reader).frequency == "none"

    # The practice goes on the reader's list from its page, without a script.
    page = user.page
    user.goto(f"/practices/{practice.pk}/")
    page.click("form.bookmark button")
    user.goto("/following/list/")
    expect(page.locator("main h2 a")).to_have_text("Jardins partagés sur les toits")
    user.shot("my-list")
    _no_console_errors(user, stranger)
