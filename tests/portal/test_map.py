"""The map of member cities on the home page, the directory and the city pages (cities/maps.py),
and the charts of a city page, read from the outside: the rendered HTML."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from cities.maps import HEIGHT, WIDTH, project
from practices.models import Practice
from tests.factories import CityFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities():
    lyon = CityFactory(name="Lyon", slug="lyon", latitude=45.76, longitude=4.84)
    medellin = CityFactory(name="Medellín", slug="medellin", latitude=6.25, longitude=-75.56)
    sydney = CityFactory(name="Sydney", slug="sydney", latitude=-33.87, longitude=151.21)
    PracticeFactory(city=medellin)
    PracticeFactory(city=medellin)
    PracticeFactory(city=lyon)
    PracticeFactory(city=lyon, review_state=Practice.ReviewState.DRAFT, published_at=None)
    return lyon, medellin, sydney


def links(page: str) -> dict[str, str]:
    """Each city link of the map: its address and its accessible name (the <title>)."""
    svg = re.search(r"<svg viewBox=.*?</svg>", page, re.S)
    assert svg, "no map on the page"
    return dict(re.findall(r'<a href="([^"]+)"[^>]*><title>([^<]+)</title>', svg.group(0)))


@pytest.mark.parametrize("path", ["/en/", "/en/cities/"])
def test_every_member_city_is_a_link_named_with_its_published_count(client, cities, path):
    assert links(client.get(path).content.decode()) == {
        "/en/cities/lyon/": "Lyon: 1 practice",  # the draft does not count
        "/en/cities/medellin/": "Medellín: 2 practices",
        "/en/cities/sydney/": "Sydney: 0 practices",
    }


def test_names_are_in_the_readers_language_and_numbers_stay_svg_numbers(client, cities):
    page = client.get("/fr/cities/").content.decode()
    assert links(page)["/fr/cities/medellin/"] == "Medellín\u00a0: 2 pratiques"
    # French formats decimals with a comma, which would break the coordinates.
    assert re.search(r'<circle cx="\d+(\.\d+)?" cy="\d+(\.\d+)?" r="\d+(\.\d+)?"/>', page)
    assert "Passer la carte" in page and "Les mêmes villes dans un tableau" in page


def test_the_directory_map_shows_every_city_the_filters_match_not_only_the_page(client, cities):
    for n in range(35):
        CityFactory(name=f"Zed {n}", latitude=n, longitude=n)
    page = client.get("/en/cities/").content.decode()
    assert len(links(page)) == 38 and "Zed 34" not in page.split("</svg>")[1]
    assert set(links(client.get("/en/cities/", {"q": "lyon"}).content.decode())) == {
        "/en/cities/lyon/"
    }
    assert 'id="city-table"' in page and 'href="#city-table"' in page


def test_a_city_page_shows_its_region_with_the_city_marked(client, cities):
    page = client.get("/en/cities/medellin/").content.decode()
    named = links(page)
    # Sydney is on the other side of the world: out of the window, so not a link to tab to.
    assert set(named) == {"/en/cities/medellin/"}
    assert 'href="/en/cities/medellin/" class="current" aria-current="page"' in page
    view_box = [float(v) for v in re.search(r'<svg viewBox="([^"]+)"', page).group(1).split()]
    assert view_box[2] < WIDTH / 2


def test_a_city_without_coordinates_is_left_off_the_map_but_not_the_table(client, cities):
    CityFactory(name="Nowhere", slug="nowhere")
    page = client.get("/en/cities/").content.decode()
    assert "/en/cities/nowhere/" not in links(page) and "Nowhere" in page


def test_the_basemap_is_a_static_file_of_a_few_tens_of_kilobytes(client, cities):
    page = client.get("/en/").content.decode()
    assert '<image href="/static/maps/world-110m.svg"' in page
    basemap = Path(settings.BASE_DIR) / "static" / "maps" / "world-110m.svg"
    assert 20_000 < basemap.stat().st_size < 60_000
    assert f'viewBox="0 0 {WIDTH:g} {HEIGHT:g}"' in basemap.read_text()


def test_the_projection_puts_places_where_they_are():
    x, y = project(longitude=0, latitude=0)
    assert x == pytest.approx(WIDTH / 2)
    west, _ = project(longitude=-75.56, latitude=6.25)
    east, _ = project(longitude=151.21, latitude=-33.87)
    _, north = project(longitude=4.84, latitude=45.76)
    _, south = project(longitude=151.21, latitude=-33.87)
    assert 0 < west < x < east < WIDTH and 0 < north < y < south < HEIGHT


def test_a_city_name_with_markup_stays_text_in_the_map(client, cities):
    """The map is our own SVG; the only text in it is city names, escaped like anywhere else
    (tests/practices/test_xss.py leaves the map's figure to this test)."""
    odd = CityFactory(
        name='<img src=x onerror="alert(1)"><script>alert(2)</script>',
        slug="odd",
        latitude=1.0,
        longitude=1.0,
    )
    PracticeFactory(city=odd)
    for path in ("/en/", "/en/cities/", "/en/cities/odd/"):
        page = client.get(path).content.decode()
        svg = re.search(r"<svg viewBox=.*?</svg>", page, re.S).group(0)
        assert "<img" not in svg and "<script" not in svg and 'onerror="' not in svg
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in svg


def test_a_city_profile_charts_its_practices_by_challenge_and_its_exchanges(client, cities):
    """Issue 16: charts on city profiles. The counts are text beside decorative bars."""
    from exchanges.models import Exchange
    from practices.models import Challenge
    from tests.factories import ExchangeFactory

    lyon, medellin, _sydney = cities
    gender = Challenge.objects.get(slug="gender-equality")
    for practice in Practice.objects.filter(city=medellin):
        practice.challenges.set([gender])
    ExchangeFactory(
        match__request__city=lyon, match__peer_city=medellin, state=Exchange.State.EVALUATED
    )
    page = client.get("/fr/cities/medellin/").content.decode()
    chart = page.split('id="by-challenge"')[1].split("</table>")[0]
    assert re.search(r"Égalité de genre</th><td class=\"n\">2</td>.*?<rect width=\"100\.0\"", chart)
    exchanges = page.split('id="exchanges-chart"')[1].split("</table>")[0]
    assert re.search(
        r"Données \(la ville en a accueilli une autre\)</th><td class=\"n\">1<", exchanges
    )
    assert re.search(r"Reçues .*?</th><td class=\"n\">0<", exchanges)
    # A city with nothing published and no exchange gets no empty charts.
    assert 'id="by-challenge"' not in client.get("/en/cities/sydney/").content.decode()


def test_each_city_has_a_tap_disc_under_the_dots_hidden_from_assistive_technology(client, cities):
    page = client.get("/en/cities/").content.decode()
    svg = re.search(r"<svg viewBox=.*?</svg>", page, re.S).group(0)
    taps = re.search(r'<g class="taps" aria-hidden="true">(.*?)</g>', svg, re.S)
    assert taps, "no tap layer"
    # Before the first city link, so every dot is painted over every disc.
    assert svg.index('<g class="taps"') < svg.index("<title>")
    discs = dict(
        re.findall(r'<a href="([^"]+)" tabindex="-1"><path d="(M[\d.]+ [\d.]+)h0"/></a>', taps[1])
    )
    pins = dict(
        re.findall(
            r'<a href="([^"]+)"><title>[^<]*</title><path class="pin" d="(M[\d.]+ [\d.]+)h0"/>', svg
        )
    )
    assert set(discs) == set(links(page)) == set(pins)
    assert discs == pins  # each disc and pin sits on its own city
