"""The row locks the services take serialise writers of a row without blocking the rows that
point at it. A plain FOR UPDATE on a practice (or a city) also blocks every foreign-key check
of a row inserted elsewhere that references it, and under load (benchmarks/load.py, members
editing while others bookmark, submit or create drafts of the same city) two such transactions
deadlocked: PostgreSQL killed one and the API answered 500. The services lock FOR NO KEY
UPDATE, which PostgreSQL does not make foreign-key checks wait for."""

import threading

import pytest
from django.db import connections, transaction

from following.models import Bookmark
from practices.services import _lock_for_edit
from tests.factories import CityFactory, MembershipFactory, PracticeFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("celery_join_flag"),
]


def test_a_practice_being_edited_does_not_hold_up_a_bookmark_of_it():
    city = CityFactory()
    practice = PracticeFactory(city=city, review_state="draft")
    author = MembershipFactory(city=city).user
    reader = MembershipFactory().user
    outcome: dict[str, object] = {}

    def bookmark_elsewhere() -> None:
        try:
            with transaction.atomic():
                with connections["default"].cursor() as cursor:
                    # Blocked for longer than this means blocked by the edit's lock.
                    cursor.execute("SET LOCAL lock_timeout = '3s'")
                Bookmark.objects.create(user=reader, practice=practice)
            outcome["ok"] = True
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        _lock_for_edit(practice=practice, by=author, expected_version=None)
        thread = threading.Thread(target=bookmark_elsewhere)
        thread.start()
        thread.join(timeout=30)
    assert outcome == {"ok": True}, outcome
    assert Bookmark.objects.filter(practice=practice).count() == 1
