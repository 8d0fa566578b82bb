"""Fixtures shared by several test folders: the search backends, the people and cities of the
practice tests (`city`, `other_city`, `people`, `make_practice`) and of the exchange tests
(`cast_`, `make_exchange`), and the rows made once per module that those two sets rely on.

Rows made once per module: the people and cities of a cast are the same for every test of a
module, and making them (users, memberships, staff groups) was most of what the workflow tests
spent. They are made once, inside a transaction that stays open until the module's last test
and is then rolled back, as Django's TestCase.setUpTestData does for a class: each test runs in
a savepoint inside it (pytest-django's `db`), so what a test writes is still undone after it,
and each test gets its own deep copy of the Python objects, so what it changes in memory is too.
A test with `transaction=True` cannot use them (its flush would end the shared transaction).
"""

from __future__ import annotations

import copy
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.services import BROKER, EDITOR, user_grant_staff_role
from exchanges.models import Exchange
from search.backends import get_backend
from search.client import get_client
from tests.factories import (
    CityFactory,
    ExchangeFactory,
    ExchangeRequestFactory,
    MembershipFactory,
    PracticeFactory,
    UserFactory,
)
from tests.support import service_url

# -- rows made once per module -------------------------------------------------------------


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """The module's outer transaction; yields the blocker to make rows with (`unblock()`)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _per_test_copy(rows, request):
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional or "transactional_db" in request.fixturenames:
        pytest.fail("rows made once per module cannot serve a test with transaction=True")
    request.getfixturevalue("db")
    return copy.deepcopy(rows)


# -- search backends -------------------------------------------------------------------------


@pytest.fixture
def es_settings(settings):
    """Point the app at the test Elasticsearch node, with indices of its own."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.ELASTICSEARCH_URL = service_url("elasticsearch")
    settings.SEARCH_BACKEND = "search.backends.elastic.ElasticsearchBackend"
    settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    get_client.cache_clear()
    yield settings
    # This test's indices only (a test may have pointed the settings at shared ones).
    get_client.cache_clear()
    client = get_client()
    client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    get_client.cache_clear()


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend_name(request, settings):
    if request.param == "elasticsearch":
        request.getfixturevalue("es_settings")
    else:
        settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    return request.param


@pytest.fixture
def sync_index(backend_name):
    """Bring the configured backend up to date with the database and make it searchable."""

    def sync():
        backend = get_backend()
        backend.rebuild()
        if backend_name == "elasticsearch":
            backend.refresh()
        return backend

    return sync


@pytest.fixture(autouse=True)
def _fresh_labels():
    from search import facets

    facets._LABEL_CACHE.clear()
    yield
    facets._LABEL_CACHE.clear()


# -- practices: a city, another city and one user per role -----------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def _practice_cast(module_transaction):
    with module_transaction.unblock():
        city = CityFactory(name="Lyon", slug="lyon")
        other_city = CityFactory(name="Quito", slug="quito")
        people = {
            "practitioner": MembershipFactory(city=city, role="practitioner").user,
            "official": MembershipFactory(city=city, role="official").user,
            "other_practitioner": MembershipFactory(city=other_city, role="practitioner").user,
            "other_official": MembershipFactory(city=other_city, role="official").user,
            "editor": user_grant_staff_role(user=UserFactory(), role=EDITOR),
            "broker": user_grant_staff_role(user=UserFactory(), role=BROKER),
            "nobody": UserFactory(),
        }
    return {"city": city, "other_city": other_city, "people": people}


@pytest.fixture
def _practice_cast_copy(_practice_cast, request):
    return _per_test_copy(_practice_cast, request)


@pytest.fixture
def city(_practice_cast_copy):
    return _practice_cast_copy["city"]


@pytest.fixture
def other_city(_practice_cast_copy):
    return _practice_cast_copy["other_city"]


@pytest.fixture
def people(_practice_cast_copy):
    """One user per role, from the point of view of practices owned by `city`."""
    return _practice_cast_copy["people"]


@pytest.fixture
def make_practice(city, people):
    def make(state="draft", **kwargs):
        published = state in ("published", "archived")
        return PracticeFactory(
            city=city,
            review_state=state,
            published_at=(kwargs.pop("published_at", None) or timezone.now())
            if published
            else None,
            created_by=people["practitioner"],
            **kwargs,
        )

    return make


# -- exchanges: a requesting city, a peer, an outsider and one user per role ------------------


@pytest.fixture(scope="module")
def _exchange_cast(module_transaction):
    with module_transaction.unblock():
        requester, peer, outsider = (
            CityFactory(name="Dakar"),
            CityFactory(name="Lyon"),
            CityFactory(name="Quito"),
        )
        people = {
            "requester_official": MembershipFactory(city=requester, role="official").user,
            "requester_practitioner": MembershipFactory(city=requester, role="practitioner").user,
            "peer_official": MembershipFactory(city=peer, role="official").user,
            "peer_practitioner": MembershipFactory(city=peer, role="practitioner").user,
            "broker": user_grant_staff_role(user=UserFactory(), role=BROKER),
            "broker2": user_grant_staff_role(user=UserFactory(), role=BROKER),
            "outsider_official": MembershipFactory(city=outsider, role="official").user,
            "nobody": UserFactory(),
        }
    return {"requester": requester, "peer": peer, "outsider": outsider, "people": people}


@pytest.fixture
def cast_(_exchange_cast, request):
    """The cities and people of an exchange: "requester", "peer", "outsider" and "people"."""
    return _per_test_copy(_exchange_cast, request)


@pytest.fixture
def make_request(cast_):
    """An open request of the requesting city, filed by its official (no service involved)."""

    def make(**kwargs):
        kwargs.setdefault("city", cast_["requester"])
        kwargs.setdefault("created_by", cast_["people"]["requester_official"])
        return ExchangeRequestFactory(**kwargs)

    return make


@pytest.fixture
def make_exchange(cast_, make_request):
    """An exchange between the cast's requester and peer as a proposal by "broker" leaves it;
    make_exchange(state) then sets another state directly, without the steps between."""

    def make(state=Exchange.State.PROPOSED):
        request = make_request(taken=True, broker=cast_["people"]["broker"])
        exchange = ExchangeFactory(match__request=request, match__peer_city=cast_["peer"])
        if state != Exchange.State.PROPOSED:
            # Past scheduling an exchange has the start date the step would have given it.
            dated = state in ("scheduled", "in_progress", "completed", "evaluated")
            Exchange.objects.filter(pk=exchange.pk).update(
                state=state, starts_on=timezone.localdate() if dated else None
            )
            exchange.refresh_from_db()
        return exchange

    return make


@pytest.fixture
def celery_join_flag():
    """For tests that run eager tasks (the index outbox drain) in two threads at once: they can
    leave Celery's process-wide "inside a task" flag set (Task.apply saves and restores it
    without a lock), and later tests' result.get() would then refuse to wait.
    allow_join_result restores the value it found on entry."""
    from celery.result import allow_join_result

    with allow_join_result():
        yield
