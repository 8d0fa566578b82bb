"""The curated demo (issue 16): distinct, complete practices from every continent, loaded
through the import, with accounts and evaluated exchanges."""

import json
import re

import pytest

from cities.models import City, CityMembership
from cities.services import cities_load_reference
from exchanges.models import Evaluation, Exchange
from portal import demo_curated
from practices.models import SECTION_NAMES, Practice

pytestmark = pytest.mark.django_db


def _records():
    return [json.loads(line) for line in demo_curated.corpus_lines()]


def _texts(record):
    yield record["language"], record
    yield from (record.get("translations") or {}).items()


def _sentences(text):
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 40]


@pytest.mark.django_db(False)
def test_every_practice_has_the_full_template_and_its_own_words():
    records = _records()
    assert len(records) >= 120
    assert len({r["source_url"] for r in records}) == len(records)
    titles, summaries, sentences = set(), set(), {}
    for record in records:
        for lang, text in _texts(record):
            where = f"{record['source_url']} ({lang})"
            assert set(text["sections"]) == set(SECTION_NAMES), where
            assert all(text["sections"][name].strip() for name in SECTION_NAMES), where
            assert text["title"] not in titles, where
            assert text["summary"] not in summaries, where
            titles.add(text["title"])
            summaries.add(text["summary"])
            for sentence in _sentences(" ".join(text["sections"].values())):
                assert sentences.setdefault(sentence, where) == where, (sentence, where)
    originals = {r["language"] for r in records}
    assert originals == {"en", "fr", "es"}
    translated = sum(1 for r in records if r.get("translations"))
    assert 0.25 <= translated / len(records) <= 0.45
    cities = {f"{r['city']['name']}|{r['city']['country']}" for r in records}
    assert len(cities) >= 80
    assert cities <= set(demo_curated.corpus_cities())


@pytest.fixture(scope="module")
def _reference_cities(module_transaction):
    with module_transaction.unblock():
        cities_load_reference(min_population=500_000)


def test_the_curated_demo_loads_through_the_import(_reference_cities, db, media_root):
    from accounts.services import BROKER, user_grant_staff_role
    from tests.factories import UserFactory

    report = demo_curated.demo_curated_load(password="a long passphrase")
    records = _records()
    assert report.created == len(records) and report.cities >= 80
    practices = Practice.objects.filter(source_url__in=[r["source_url"] for r in records])
    assert practices.count() == len(records)
    # Through the import: every practice went along the review table as the import.
    assert all(p.transitions.filter(by=None).exists() for p in practices)
    waiting = practices.filter(review_state="submitted").count()
    assert 0 < waiting < 10 and practices.filter(review_state="published").count() >= 115
    continents = set(
        practices.values_list("city__country__subregion__parent__code", flat=True).distinct()
    )
    assert continents == {"002", "019", "142", "150", "009"}
    members = City.objects.filter(member_status="active", practices__in=practices).distinct()
    assert members.count() >= 80 and all(city.description for city in members)
    cities_with_people = CityMembership.objects.values("city").distinct().count()
    assert cities_with_people >= 10
    # A second run changes nothing.
    again = demo_curated.demo_curated_load(password="a long passphrase")
    assert (again.created, again.updated) == (0, 0)
    # The exchanges, through the workflow to both evaluations.
    broker = user_grant_staff_role(user=UserFactory(), role=BROKER)
    demo_curated.demo_curated_exchanges(broker=broker, report=again)
    assert again.exchanges_created == 5
    assert Exchange.objects.filter(state="evaluated").count() == 5
    assert Evaluation.objects.count() == 10
    assert Practice.objects.filter(adapted_count__gt=0).count() == 4
    demo_curated.demo_curated_exchanges(broker=broker, report=again)
    assert Exchange.objects.count() == 5
    # Every curated practice gets a cover drawn by the project, with its alternative text in
    # the practice's language and its thumbnail; a second run draws none.
    from accounts.services import EDITOR

    editor = user_grant_staff_role(user=UserFactory(), role=EDITOR)
    demo_curated.demo_curated_covers(by=editor, report=again)
    assert again.covers_created == len(records)
    covered = practices.select_related("cover")
    assert all(p.cover and p.cover.kind == "image" for p in covered)
    assert all(
        p.cover.alt_text and [t["width"] for t in p.cover.thumbnails] == [320] for p in covered
    )
    french = next(p for p in covered if p.language == "fr")
    assert french.cover.alt_text.startswith("Illustration en ")
    assert len({p.cover.size for p in covered}) > len(records) * 0.9  # not one picture repeated
    demo_curated.demo_curated_covers(by=editor, report=again)
    assert again.covers_created == len(records)
