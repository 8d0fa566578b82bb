"""The Django admin cannot write around the rules (issue 14, item 14), tried through its own
pages, as a broker or a superuser would: an edit reaches the search outbox, workflow fields are
read-only, and history is append-only."""

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from core.errors import InvalidTransition
from exchanges.models import Exchange, ExchangeEvent
from practices.models import PracticeTransition, PracticeTranslation, SearchOutbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The values a browser would send for the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            self.names.add(name)
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(a.get("value") or default)
        elif tag == "select" and name:
            self.names.add(name)
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self.names.add(name)
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def form_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Form()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_practice_edited_in_the_admin_reaches_the_search_outbox(admin_client, make_practice):
    practice = make_practice("published")
    SearchOutbox.objects.all().delete()
    url = f"/admin/practices/practice/{practice.pk}/change/?language={practice.language}"
    form = form_of(admin_client, url)
    assert "review_state" not in form.names  # the review services own it
    form.data["title"] = ["Renamed in the admin"]
    response = admin_client.post(url, {k: v for k, v in form.data.items()})
    assert response.status_code == 302, response.content.decode()[:500]
    assert PracticeTranslation.objects.filter(title="Renamed in the admin").exists()
    assert SearchOutbox.objects.filter(practice_id=practice.pk).exists()


def test_exchange_state_and_events_are_read_only_in_the_admin(admin_client, make_exchange):
    exchange = make_exchange()
    url = f"/admin/exchanges/exchange/{exchange.pk}/change/"
    form = form_of(admin_client, url)
    assert "state" not in form.names
    # Posting a state anyway (and an event "by" someone else) changes nothing.
    data = {k: v for k, v in form.data.items()}
    data.update(
        {
            "state": ["completed"],
            "events-TOTAL_FORMS": ["1"],
            "events-0-to_state": ["completed"],
            "events-0-at": [timezone.now().isoformat()],
        }
    )
    admin_client.post(url, data)
    exchange.refresh_from_db()
    assert exchange.state == "proposed"
    assert not exchange.events.filter(to_state="completed").exists()
    assert admin_client.get("/admin/exchanges/exchangeevent/add/").status_code == 403
    event = ExchangeEvent.objects.create(exchange=exchange, to_state="proposed", at=timezone.now())
    assert admin_client.get(f"/admin/exchanges/exchangeevent/{event.pk}/delete/").status_code == 403


def test_history_rows_are_append_only_whatever_the_surface(make_practice, make_exchange):
    practice = make_practice("draft")
    row = PracticeTransition.objects.create(
        practice=practice, from_state="", to_state="draft", at=timezone.now()
    )
    row.note = "rewritten"
    with pytest.raises(InvalidTransition):
        row.save()
    with pytest.raises(InvalidTransition):
        row.delete()
    event = ExchangeEvent.objects.create(
        exchange=make_exchange(), to_state="proposed", at=timezone.now()
    )
    with pytest.raises(InvalidTransition):
        event.delete()
    assert Exchange.objects.count() == 1
