import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from cities.models import City, CityMembership
from cities.services import cities_load_reference
from exchanges.models import ExchangeRequest
from portal import demo
from practices.models import Challenge, Practice, PracticeTransition, Sdg, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _reference_cities(module_transaction):
    # Loaded once for the module's tests (tests/conftest.py: rows made once per module).
    with module_transaction.unblock():
        cities_load_reference(min_population=500_000)


@pytest.fixture
def cities(_reference_cities, db):
    pass


def _counts():
    return (
        Practice.objects.count(),
        PracticeTransition.objects.count(),
        Practice.challenges.through.objects.count(),
        User.objects.count(),
        CityMembership.objects.count(),
        ExchangeRequest.objects.count(),
        City.objects.filter(member_status="active").count(),
    )


def test_demo_needs_cities_first():
    City.objects.all().delete()  # those the module's other tests share, if made already
    with pytest.raises(LookupError, match="load_cities"):
        demo.demo_load(practices=1)


def test_demo_spreads_over_everything(cities):
    report = demo.demo_load()
    assert report.member_cities == 150
    assert Practice.objects.count() == 300
    published = Practice.objects.filter(review_state="published")
    assert published.count() > 200
    assert set(Practice.objects.values_list("language", flat=True)) == {"en", "fr", "es"}
    assert set(Practice.objects.values_list("status", flat=True)) == set(Practice.Status.values)
    assert set(Practice.objects.values_list("review_state", flat=True)) == set(
        Practice.ReviewState.values
    )
    assert Challenge.objects.filter(practices__isnull=True).count() == 0
    assert Sdg.objects.filter(practices__isnull=True).count() == 0
    assert Topic.objects.filter(practices__isnull=True).count() == 0
    regions = set(
        published.values_list("city__country__subregion__parent__code", flat=True).distinct()
    )
    assert regions == {"002", "019", "142", "150", "009"}
    assert ExchangeRequest.objects.values("state").distinct().count() >= 4
    # every role has an account
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(groups__name="editor").exists()
    assert User.objects.filter(groups__name="broker").exists()
    assert CityMembership.objects.filter(role="official").exists()
    assert CityMembership.objects.filter(role="practitioner").exists()
    # a published practice has a history that ends in 'published'
    practice = published.first()
    assert practice.transitions.last().to_state == "published"


def test_second_run_creates_nothing(cities):
    demo.demo_load(practices=40, member_cities=30)
    before = _counts()
    report = demo.demo_load(practices=40, member_cities=30)
    assert report.practices_created == 0 and report.practices_existing == 40
    assert _counts() == before


def test_interrupted_run_leaves_whole_batches_and_resumes(cities, monkeypatch):
    real_write = demo._write_batch
    calls = {"n": 0}

    def flaky(items, author, editor):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C mid-run
        real_write(items, author, editor)

    monkeypatch.setattr(demo, "_write_batch", flaky)
    with pytest.raises(KeyboardInterrupt):
        demo.demo_load(practices=25, member_cities=20, batch_size=10)
    assert Practice.objects.count() == 10
    # no practice without its challenges: the batch with its tags was all or nothing
    assert not Practice.objects.filter(challenges__isnull=True).exists()
    monkeypatch.setattr(demo, "_write_batch", real_write)
    report = demo.demo_load(practices=25, member_cities=20, batch_size=10)
    assert report.practices_created == 15 and report.practices_existing == 10
    assert Practice.objects.count() == 25


def test_same_content_whatever_the_batch_boundaries(cities):
    demo.demo_load(practices=12, member_cities=20, batch_size=5)
    first = list(
        Practice.objects.order_by("source_url").values_list("source_url", "translations__title")
    )
    Practice.objects.all().delete()
    demo.demo_load(practices=12, member_cities=20, batch_size=100)
    assert (
        list(
            Practice.objects.order_by("source_url").values_list("source_url", "translations__title")
        )
        == first
    )


def test_command_prints_accounts_and_refuses_bad_sizes(cities, capsys, settings):
    settings.DEBUG = True
    call_command("load_demo", practices=5, cities=10)
    out = capsys.readouterr().out
    assert "editor@demo.metropolis.test" in out and "password" in out
    with pytest.raises(CommandError, match="--practices"):
        call_command("load_demo", practices=-1)


def test_command_refuses_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG off"):
        call_command("load_demo", practices=1)


@pytest.mark.elasticsearch
def test_the_demo_reaches_the_search_index(cities, es_settings, django_capture_on_commit_callbacks):
    """Issue 14, item 14: `make run-full` served an empty index, as load_demo bulk-created its
    practices without outbox rows. Now its batches record them, and the drain (a task after the
    commit) indexes them, on the real Elasticsearch node."""
    from search.backends import get_backend
    from search.backends.base import SearchQuery

    with django_capture_on_commit_callbacks(execute=True):
        demo.demo_load(practices=12, member_cities=12)
    backend = get_backend()
    backend.refresh()
    published = Practice.objects.filter(review_state="published").count()
    assert published > 0
    assert backend.search(SearchQuery()).total == published
