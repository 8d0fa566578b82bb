import pytest

from conversations import services
from tests.factories import CityFactory, MembershipFactory, PracticeFactory


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://pt.example.org"


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """post(thread, user, body): a message through the service, its mails sent (after commit)."""

    def send(thread, user, body):
        with django_capture_on_commit_callbacks(execute=True):
            return services.message_post(thread=thread, by=user, body=body)

    return send


@pytest.fixture
def practice_city():
    """A published practice of Lisbon, with Lisbon's two members, a member of Porto and a
    member of Lisbon who is not a contact."""
    lisbon, porto = CityFactory(name="Lisbon"), CityFactory(name="Porto")
    ana = MembershipFactory(city=lisbon, user__first_name="Ana", user__last_name="Silva").user
    rui = MembershipFactory(city=lisbon, user__first_name="Rui", user__last_name="Costa").user
    asker = MembershipFactory(city=porto, user__first_name="Marie", user__last_name="Dupont").user
    practice = PracticeFactory(city=lisbon, text__title="Night buses for shift workers")
    return {
        "lisbon": lisbon,
        "porto": porto,
        "ana": ana,
        "rui": rui,
        "asker": asker,
        "practice": practice,
    }
