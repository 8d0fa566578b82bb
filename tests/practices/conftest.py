import pytest

from accounts.services import BROKER, EDITOR, user_grant_staff_role
from tests.factories import CityFactory, MembershipFactory, PracticeFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def city():
    return CityFactory(name="Lyon", slug="lyon")


@pytest.fixture
def other_city():
    return CityFactory(name="Quito", slug="quito")


@pytest.fixture
def people(city, other_city):
    """One user per role, from the point of view of practices owned by `city`."""
    return {
        "practitioner": MembershipFactory(city=city, role="practitioner").user,
        "official": MembershipFactory(city=city, role="official").user,
        "other_practitioner": MembershipFactory(city=other_city, role="practitioner").user,
        "other_official": MembershipFactory(city=other_city, role="official").user,
        "editor": user_grant_staff_role(user=UserFactory(), role=EDITOR),
        "broker": user_grant_staff_role(user=UserFactory(), role=BROKER),
        "nobody": UserFactory(),
    }


@pytest.fixture
def make_practice(city, people):
    def make(state="draft", **kwargs):
        return PracticeFactory(
            city=city,
            review_state=state,
            published_at=None
            if state not in ("published", "archived")
            else kwargs.pop("published_at", None)
            or __import__("django.utils.timezone", fromlist=["now"]).now(),
            created_by=people["practitioner"],
            **kwargs,
        )

    return make
