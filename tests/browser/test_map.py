"""The map of member cities in Chromium: every city a link a keyboard reaches, named with its
count; no request leaves the site; the home page with the map stays within its weight."""

import re

import pytest

from practices.models import Practice

pytestmark = [
    pytest.mark.browser,
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HOME_BUDGET = 600 * 1024


def test_the_home_page_map_is_made_here_and_stays_light(world, actors, live_server):
    visitor = actors("visitor", "en")
    requested: list[str] = []
    sizes: dict[str, int] = {}
    visitor.page.on("request", lambda r: requested.append(r.url))
    visitor.page.on("requestfinished", lambda r: sizes.update({r.url: len(r.response().body())}))
    visitor.goto("/")
    visitor.page.wait_for_load_state("networkidle")
    # Down to the foot of the page, so the lazy covers are loaded and weighed too.
    visitor.page.mouse.wheel(0, 20000)
    visitor.page.wait_for_timeout(500)
    visitor.page.wait_for_load_state("networkidle")
    total = sum(sizes.values())
    print(f"\nhome page transfer (response bodies): {total / 1024:.1f} kB, {len(sizes)} requests")
    assert any(url.endswith("/static/maps/world-110m.svg") for url in requested)
    assert all(url.startswith(live_server.url) for url in requested), requested
    covers = [url for url in requested if re.search(r"/attachments/\d+/w320/$", url)]
    assert covers, "the home page shows the practices' covers, in their small size"
    assert any(url.endswith("/static/icons/challenge-sustainability.svg") for url in requested)
    assert total <= HOME_BUDGET


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)])
def test_cities_on_the_map_are_links_with_their_counts(world, actors, language, viewport):
    visitor = actors("visitor", language, viewport=viewport)
    lyon = world["cities"]["lyon"]
    count = Practice.objects.filter(city=lyon, review_state="published").count()
    assert count > 0
    word = {"en": "practice", "fr": "pratique"}[language] + ("s" if count > 1 else "")
    separator = {"en": ":", "fr": "\u00a0:"}[language]
    name = f"Lyon{separator} {count} {word}"
    for path, step in [("/", "home"), ("/cities/", "directory"), ("/cities/lyon/", "city")]:
        visitor.goto(path)
        link = visitor.page.locator("figure.city-map svg").get_by_role("link", name=name)
        assert link.get_attribute("href") == f"/{language}/cities/lyon/"
        visitor.shot(f"{step}-{viewport[0]}")
    # The table is still there, as the alternative.
    visitor.goto("/cities/")
    assert visitor.page.locator("#city-table").get_by_role("link", name="Lyon").count() == 1
    assert not visitor.errors


def test_a_keyboard_reaches_a_city_on_the_map_and_opens_it(world, actors):
    visitor = actors("visitor", "en")
    visitor.goto("/cities/")
    for _ in range(60):
        visitor.page.keyboard.press("Tab")
        if visitor.page.evaluate("!!document.activeElement.closest('figure.city-map svg')"):
            break
    else:
        pytest.fail("no map link took the focus")
    visitor.shot("focus")
    href = visitor.page.evaluate("document.activeElement.getAttribute('href')")
    visitor.page.keyboard.press("Enter")
    visitor.page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert visitor.page.locator('svg a[aria-current="page"]').get_attribute("href") == href


def test_on_a_phone_every_dot_is_visible_and_a_tap_beside_it_opens_its_city(world, actors):
    # At 390 px the world is about 360 px wide: a one-practice dot would be 2 px across. The
    # pin keeps it visible and the disc under the dots takes a tap 14 px from its centre.
    visitor = actors("visitor", "en", viewport=(390, 844))
    for slug in ("dakar", "lyon", "quito"):
        visitor.goto("/cities/")
        link = visitor.page.locator(f'figure.city-map svg > a[href="/en/cities/{slug}/"]')
        box = link.locator("circle").bounding_box()
        assert box is not None
        pin = link.locator("path.pin").evaluate("e => getComputedStyle(e).strokeWidth")
        assert float(pin.removesuffix("px")) >= 9
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        visitor.page.mouse.click(x + 14, y)
        visitor.page.wait_for_url(re.compile(f"/en/cities/{slug}/$"))
    visitor.shot("tapped")
    assert not visitor.errors


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)])
def test_the_shop_window_pages_fit_the_screen(world, actors, language, viewport):
    """Issue 16: home, search, a practice, a city and the directory (each with its map or
    covers) at desktop and phone width, in English and French: nothing wider than the screen,
    the page in the reader's language, and a screenshot of each under test-artifacts/."""
    visitor = actors("window", language, viewport=viewport)
    page = visitor.page
    pages = [
        ("/", "home"),
        ("/search/?q=marches", "search"),
        (f"/practices/{world['walks'].pk}/", "practice"),
        ("/cities/lyon/", "city"),
        ("/cities/", "directory"),
    ]
    for path, step in pages:
        visitor.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0], path
        visitor.shot(f"{step}-{viewport[0]}")
    assert not visitor.errors
