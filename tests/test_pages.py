import pytest

from practices.models import Practice
from tests.factories import CityFactory, MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return CityFactory(name="Lyon", slug="lyon")


@pytest.fixture
def published(city):
    return PracticeFactory(city=city, text__title="Vélo pour tous", language="fr")


@pytest.fixture
def draft(city):
    return PracticeFactory(
        city=city,
        text__title="Secret draft",
        review_state=Practice.ReviewState.DRAFT,
        published_at=None,
    )


def test_home_shows_challenges_and_recent(client, published):
    page = client.get("/en/").content.decode()
    assert "Gender equality" in page and "Vélo pour tous" in page


def test_home_opens_with_a_search_box_in_the_readers_language(client, published):
    page = client.get("/fr/").content.decode()
    assert 'action="/fr/search/"' in page and 'name="q"' in page
    assert "Que veut résoudre votre ville" in page


def test_city_directory_and_filters(client, city):
    CityFactory(name="Faraway", slug="faraway", member_status="", member_since=None)
    page = client.get("/en/cities/").content.decode()
    assert "Lyon" in page and "Faraway" not in page  # members only
    assert "Lyon" in client.get("/en/cities/", {"q": "fran"}).content.decode()
    assert "Lyon" not in client.get("/en/cities/", {"region": "002"}).content.decode()
    assert client.get("/en/cities/", {"page": "zzz", "q": "x" * 500}).status_code == 200


def test_city_profile(client, city, published, draft):
    page = client.get("/en/cities/lyon/").content.decode()
    assert "Vélo pour tous" in page and "Secret draft" not in page
    assert client.get("/en/cities/no-such-city/").status_code == 404


def test_practice_list_shows_published_only(client, published, draft):
    page = client.get("/en/practices/").content.decode()
    assert "Vélo pour tous" in page and "Secret draft" not in page
    assert client.get("/en/practices/", {"challenge": "bogus", "language": "xx"}).status_code == 200
    assert "Vélo pour tous" not in client.get("/en/practices/", {"language": "es"}).content.decode()


def test_practice_detail(client, published):
    response = client.get(published.get_absolute_url())
    assert response.status_code == 200
    assert "Context text." in response.content.decode()
    assert client.get("/en/practices/999999/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("other_city", 404), ("own_city", 200), ("editor", 200)],
)
def test_draft_visibility_from_outside(client, draft, who, status):
    from accounts.services import EDITOR, user_grant_staff_role

    if who == "other_city":
        client.force_login(MembershipFactory().user)
    elif who == "own_city":
        client.force_login(MembershipFactory(city=draft.city).user)
    elif who == "editor":
        client.force_login(user_grant_staff_role(user=UserFactory(), role=EDITOR))
    assert client.get(draft.get_absolute_url()).status_code == status


def test_login_page_and_logout(client):
    assert client.get("/en/accounts/login/").status_code == 200
    user = UserFactory()
    client.force_login(user)
    assert user.email in client.get("/en/").content.decode()
    assert client.post("/en/accounts/logout/").status_code == 302


def test_admin_lists_every_model(admin_client):
    for url in [
        "/admin/accounts/user/",
        "/admin/cities/city/",
        "/admin/cities/country/",
        "/admin/cities/region/",
        "/admin/cities/citymembership/",
        "/admin/cities/cityindicator/",
        "/admin/practices/practice/",
        "/admin/practices/challenge/",
        "/admin/practices/sdg/",
        "/admin/practices/topic/",
        "/admin/exchanges/exchangerequest/",
        "/admin/exchanges/match/",
        "/admin/exchanges/exchange/",
        "/admin/exchanges/exchangeevent/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_health(client):
    assert client.get("/api/v1/health/").json()["status"] == "ok"
