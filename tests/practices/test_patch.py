"""Partial changes of a practice (practices.services.practice_patch): what is left out keeps
its stored value, read under the row lock rather than from the caller's copy."""

import pytest
from django.core.exceptions import PermissionDenied

from core.errors import StaleUpdate
from practices.models import Practice
from practices.services import practice_patch, practice_version
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def _loaded(pk):
    """A practice as a view holds it: read once, its related rows prefetched."""
    return Practice.objects.prefetch_related(
        "translations", "challenges", "sdgs", "topics", "partner_cities"
    ).get(pk=pk)


def test_changes_only_what_is_given(make_practice, people):
    practice = make_practice("draft", text__title="Old title", text__context="Old context")
    before = _loaded(practice.pk)
    practice_patch(
        practice=before,
        by=people["practitioner"],
        changes={"summary": "New summary.", "sections": {"results": "Fewer cars."}},
    )
    after = _loaded(practice.pk)
    original = after.original
    assert original.summary == "New summary."
    assert original.results == "Fewer cars."
    assert original.title == "Old title"
    assert original.context == "Old context"
    assert list(after.challenges.all()) == list(before.challenges.all())
    assert after.status == before.status


def test_two_changes_from_stale_copies_both_survive(make_practice, people):
    """Two clients read the practice, then each changes a different field: the second save
    must not put back the first field's old value from its stale copy."""
    practice = make_practice("draft", text__title="Old title")
    partner = CityFactory()
    first_copy, second_copy = _loaded(practice.pk), _loaded(practice.pk)
    practice_patch(practice=first_copy, by=people["practitioner"], changes={"title": "New title"})
    practice_patch(
        practice=second_copy,
        by=people["official"],
        changes={"partner_cities": [partner], "main_actors": "The transport authority"},
    )
    after = _loaded(practice.pk)
    assert after.original.title == "New title"
    assert list(after.partner_cities.all()) == [partner]
    assert after.main_actors == "The transport authority"


def test_permission_and_version_are_checked_on_the_locked_row(make_practice, people):
    practice = make_practice("draft")
    stale_version = practice_version(practice)
    practice_patch(practice=practice, by=people["practitioner"], changes={"title": "Saved"})
    with pytest.raises(PermissionDenied):
        practice_patch(
            practice=practice, by=people["other_practitioner"], changes={"title": "Intruder"}
        )
    with pytest.raises(StaleUpdate):
        practice_patch(
            practice=practice,
            by=people["practitioner"],
            changes={"title": "From an old version"},
            expected_version=stale_version,
        )
    assert _loaded(practice.pk).original.title == "Saved"


def test_only_practice_content_can_be_patched(make_practice, people):
    practice = make_practice("draft")
    with pytest.raises(TypeError, match="review_state"):
        practice_patch(
            practice=practice, by=people["practitioner"], changes={"review_state": "published"}
        )
    assert Practice.objects.get(pk=practice.pk).review_state == "draft"
