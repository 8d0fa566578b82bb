"""A bulk import publishes many practices and mails nobody; the next digest lists them all."""

import json

import pytest
from django.core import mail

from cities.services import cities_load_reference
from following.digests import digest_run
from following.services import saved_search_save
from practices.importing import practices_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _reference_cities(module_transaction):
    with module_transaction.unblock():
        cities_load_reference(min_population=1_000_000)


def test_an_import_of_many_practices_folds_into_one_digest(_reference_cities, db, settings):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    reader = UserFactory(preferred_language="en")
    saved_search_save(user=reader, query_string="q=bicycle", name="Bikes", frequency="daily")
    lines = [
        json.dumps(
            {
                "title": f"Bicycle scheme number {n}",
                "summary": "Bicycles for all.",
                "sections": {"context": "Traffic."},
                "language": "en",
                "city": {"name": "Paris", "country": "FR"},
                "challenges": ["sustainability"],
                "status": "ongoing",
                "source_url": f"https://example.org/bikes/{n}",
            }
        )
        for n in range(12)
    ]

    report = practices_import(lines=lines, publish=True)

    assert (report.created, report.errors) == (12, [])
    assert not [m for m in mail.outbox if reader.email in m.to]
    assert digest_run(frequency="daily").mails == 1
    [sent] = [m for m in mail.outbox if reader.email in m.to]
    assert all(f"Bicycle scheme number {n} " in sent.body for n in range(12))
    assert "12 new practices" in sent.subject
