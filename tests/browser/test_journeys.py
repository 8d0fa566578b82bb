"""The journeys of the issue, in English and in French, in a real Chromium: search with two
facets; write, submit, publish and find a practice; request an exchange, propose a peer and
accept. Every journey saves screenshots under test-artifacts/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from exchanges.models import Exchange, ExchangeRequest
from practices.models import Practice

pytestmark = [
    pytest.mark.browser,
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LANGUAGES = ["en", "fr"]


def _no_console_errors(*actors):
    for actor in actors:
        assert actor.errors == [], f"{actor.name}: {actor.errors}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_visitor_searches_with_two_facets_and_opens_a_practice(world, actors, language):
    visitor = actors("visitor", language)
    page = visitor.page
    visitor.goto("/")
    visitor.shot("home")
    page.click(f"header nav a[href='/{language}/search/']")
    # Autocomplete: typing fills the suggestions from the suggest endpoint.
    page.locator("#q").press_sequentially("Marche", delay=50)
    expect(
        page.locator("#suggestions option[value='Marches exploratoires de femmes']")
    ).to_have_count(1)
    page.fill("#q", "marches")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q="))
    visitor.shot("results")
    # Two facets: a challenge, then a language. With JavaScript the results change in place.
    page.click(".facets a[href*='challenge=gender-equality']")
    expect(page.locator(".chips li")).to_have_count(1)
    page.click(".facets a[href*='language=fr']")
    expect(page.locator(".chips li")).to_have_count(2)
    assert "challenge=gender-equality" in page.url and "language=fr" in page.url
    visitor.shot("two-facets")
    results = page.locator(".results .practice-item h3 a")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Marches exploratoires")
    results.first.click()
    page.wait_for_url(re.compile(rf"/{language}/practices/{world['walks'].pk}/$"))
    expect(page.locator("h1")).to_contain_text("Marches exploratoires")
    label = "Égalité de genre" if language == "fr" else "Gender equality"
    expect(page.locator("main")).to_contain_text(label)
    visitor.shot("practice")
    _no_console_errors(visitor)


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_the_first_result_is_in_the_first_screen(world, actors, language):
    """Issue 16: at 390 x 844 the first result started 1,600 px down, below 13 facet groups.
    The filters fold behind one button; the page is no wider than the screen."""
    visitor = actors("phone", language, viewport=(390, 844))
    page = visitor.page
    visitor.goto("/search/?q=marches")
    first = page.locator(".results .practice-item").first
    expect(first).to_be_visible()
    assert first.bounding_box()["y"] < 844
    expect(page.locator(".facets a[href*='challenge=gender-equality']")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    visitor.shot("results")
    page.click(".facets-toggle > summary")
    page.click(".facets a[href*='challenge=gender-equality']")
    expect(page.locator(".chips li")).to_have_count(1)
    # After a choice the filters fold again: the results are what the reader wants next.
    expect(page.locator(".facets-toggle section").first).to_be_hidden()
    visitor.shot("filtered")
    for path in ("/cities/", f"/practices/{world['walks'].pk}/"):
        visitor.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        visitor.shot(path.strip("/").replace("/", "-"))
    _no_console_errors(visitor)


def test_search_and_language_switch_work_without_javascript(world, actors):
    visitor = actors("no-js", "fr", javascript=False)
    page = visitor.page
    visitor.goto("/search/?q=marches")
    page.click(".facets a[href*='challenge=gender-equality']")
    page.click(".facets a[href*='language=fr']")
    expect(page.locator(".chips li")).to_have_count(2)
    expect(page.locator(".results .practice-item")).to_have_count(1)
    visitor.shot("two-facets")
    page.click(".chips a >> nth=0")
    expect(page.locator(".chips li")).to_have_count(1)
    # The switcher is a form: the same search, now in Spanish.
    page.click(".language-switch button[value=es]")
    page.wait_for_url(re.compile(r"/es/search/\?"))
    assert "language=fr" in page.url
    expect(page.locator("h1")).to_have_text("Buscar prácticas")
    visitor.shot("switched-to-spanish")


@pytest.mark.parametrize("language", LANGUAGES)
def test_practitioner_writes_editor_publishes_and_search_finds_it(world, actors, language):
    title = f"Jardins partagés {language}"
    author = actors("practitioner", language)
    author.sign_in("practitioner@dakar.test")
    page = author.page
    page.click(f"header nav a[href='/{language}/my-city/']")
    author.shot("my-city")
    page.click(f"main a[href='/{language}/practices/new/']")
    page.fill("#id_title", title)
    page.fill("#id_summary", "Des jardins cultivés par les habitants sur des terrains vacants.")
    page.fill("#id_context", "Beaucoup de parcelles vides dans les quartiers.")
    page.check("input[name=challenges][value=sustainability]")
    page.select_option("#id_language", "fr")
    page.select_option("#id_status", "ongoing")
    page.click("button[name=preview]")
    expect(page.locator(".preview")).to_contain_text(title)
    author.shot("preview")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(rf"/{language}/practices/\d+/$"))
    practice = Practice.objects.get(translations__title=title)
    author.shot("draft-saved")
    page.click("form[action$='/step/submit/'] button")
    page.wait_for_url(re.compile(rf"/practices/{practice.pk}/$"))
    practice.refresh_from_db()
    assert practice.review_state == Practice.ReviewState.SUBMITTED
    author.shot("submitted")

    editor = actors("editor", language)
    editor.sign_in("editor@metropolis.test")
    page = editor.page
    page.click(f"header nav a[href='/{language}/practices/review/']")
    editor.shot("review-queue")
    page.click(f"main a[href='/{language}/practices/{practice.pk}/']")
    page.click("form[action$='/step/publish/'] button")
    page.wait_for_url(re.compile(rf"/practices/{practice.pk}/$"))
    practice.refresh_from_db()
    assert practice.review_state == Practice.ReviewState.PUBLISHED
    editor.shot("published")

    # The index catches up after the commit (outbox drained by the task); a reader reloads.
    visitor = actors("visitor", language)
    result = visitor.page.locator(f".results h3 a[href='/{language}/practices/{practice.pk}/']")
    for _ in range(20):
        visitor.goto("/search/?q=jardins")
        if result.count():
            break
        visitor.page.wait_for_timeout(500)
    expect(result).to_have_count(1)
    visitor.shot("found-in-search")
    _no_console_errors(author, editor, visitor)


@pytest.mark.parametrize("language", LANGUAGES)
def test_official_requests_broker_proposes_peer_accepts(world, actors, language):
    official = actors("official", language)
    official.sign_in("official@dakar.test")
    page = official.page
    official.goto(f"/practices/{world['walks'].pk}/")
    page.click(f"main a[href^='/{language}/exchanges/requests/new/']")
    # "Ask for an exchange on this" brings the practice's challenge along.
    expect(page.locator("input[name=challenges][value=gender-equality]")).to_be_checked()
    page.fill(
        "#id_need",
        "Nous voulons des rues plus sûres pour les femmes la nuit dans le centre-ville.",
    )
    official.shot("request-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/{language}/exchanges/requests/\d+/$"))
    request = ExchangeRequest.objects.get(city=world["cities"]["dakar"])
    official.shot("request-filed")

    broker = actors("broker", language)
    broker.sign_in("broker@metropolis.test")
    page = broker.page
    page.click(f"header nav a[href='/{language}/exchanges/board/']")
    broker.shot("board")
    page.click(f"main a[href='/{language}/exchanges/requests/{request.pk}/']")
    page.click("form[action='take/'] button")
    page.click("form[action='rank/'] button")
    lyon = page.locator("ol.candidates > li", has_text="Lyon")
    expect(lyon).to_have_count(1)
    broker.shot("ranked")
    lyon.locator("form[action='propose/'] button").click()
    expect(page.locator("ol.candidates > li", has_text="Lyon").locator("a[href*='/exchanges/']"))
    broker.shot("proposed")
    exchange = Exchange.objects.get(match__request=request, match__peer_city__slug="lyon")
    assert exchange.state == Exchange.State.PROPOSED

    peer = actors("peer", language)
    peer.sign_in("official@lyon.test")
    page = peer.page
    page.click(f"header nav a[href='/{language}/my-city/']")
    peer.shot("my-city")
    page.click(f"main a[href='/{language}/exchanges/{exchange.pk}/']")
    page.fill("#note-accept", "Avec plaisir.")
    page.click("form[action$='/step/accept/'] button")
    page.wait_for_url(re.compile(rf"/exchanges/{exchange.pk}/$"))
    exchange.refresh_from_db()
    assert exchange.state == Exchange.State.ACCEPTED
    peer.shot("accepted")
    _no_console_errors(official, broker, peer)


def test_the_editor_finds_and_chooses_partner_cities_without_ctrl(world, actors):
    """Issue 16: partner cities were a long Ctrl-click list. A filter box narrows it, one
    click chooses (and a second one unchooses) a city, and the choices are named below."""
    author = actors("author", "fr")
    author.sign_in("practitioner@dakar.test")
    page = author.page
    author.goto("/practices/new/")
    expect(page.locator("#id_language")).to_have_value("fr")  # Dakar writes in French
    for name in ("qui", "lyo"):
        page.fill("input.list-filter", name)
        option = page.locator("select[name=partner_cities] option:not([hidden]):not(:checked)")
        expect(option).to_have_count(1)
        option.first.scroll_into_view_if_needed()
        box = option.first.bounding_box()
        page.mouse.click(box["x"] + 10, box["y"] + box["height"] / 2)
    chosen = page.locator("select[name=partner_cities] option:checked")
    expect(chosen).to_have_count(2)
    expect(page.locator("main")).to_contain_text("Choisies :")
    author.shot("partners")
    _no_console_errors(author)
