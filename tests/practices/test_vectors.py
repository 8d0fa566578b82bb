"""Sentence vectors: computed off the request path by the outbox drain, kept with the hash of
their text, recomputed only when the text changes, and caught up after an embedder outage.
The model is the real one (core.embedding's default)."""

import numpy as np
import pytest
from django.core.management import call_command

from core.embedding import get_embedder
from practices.models import PracticeTranslation, SearchOutbox
from practices.services import PracticeText, practice_translation_set
from practices.vectors import (
    embedding_text,
    practice_vectors,
    vector_from_bytes,
    vectors_pending,
    vectors_refresh,
    vectors_sweep,
)
from search.sync import outbox_drain, search_check
from tests.support import BROKEN_EMBEDDER

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_practice):
    practice = make_practice("published")
    SearchOutbox.objects.all().delete()
    return practice


def test_the_drain_stores_one_vector_per_language_version(published):
    assert vectors_pending() == ([published.pk], [])
    SearchOutbox.objects.create(practice_id=published.pk)
    outbox_drain()
    row = PracticeTranslation.objects.get(master=published)
    vector = vector_from_bytes(row.embedding)
    assert vector is not None and vector.shape == (512,)
    assert np.allclose(vector, get_embedder().embed([embedding_text(row)])[0], atol=1e-5)
    assert vectors_pending() == ([], [])
    assert search_check().vectors_clean


def test_an_unchanged_text_is_not_embedded_again(published):
    first = vectors_refresh(practice_ids=[published.pk])
    assert first.computed == 1
    again = vectors_refresh(practice_ids=[published.pk])
    assert (again.computed, again.unchanged) == (0, 1)


def test_a_new_title_makes_the_vector_stale_and_the_next_drain_replaces_it(
    published, people, django_capture_on_commit_callbacks
):
    vectors_refresh(practice_ids=[published.pk])
    before = practice_vectors(practice_ids=[published.pk])[published.pk][published.language]
    row = PracticeTranslation.objects.get(master=published)
    row.title = "Rain gardens and permeable paving against floods"
    row.save()
    assert vectors_pending() == ([], [published.pk])
    assert not search_check().vectors_clean
    SearchOutbox.objects.create(practice_id=published.pk)
    outbox_drain()
    after = practice_vectors(practice_ids=[published.pk])[published.pk][published.language]
    assert not np.allclose(before, after)
    assert vectors_pending() == ([], [])


def test_a_translation_gets_its_own_vector(published, people, django_capture_on_commit_callbacks):
    other = "fr" if published.language != "fr" else "es"
    with django_capture_on_commit_callbacks(execute=True):
        practice_translation_set(
            practice=published,
            by=people["editor"],
            language=other,
            text=PracticeText(title="Jardins de pluie", summary="Des rues qui boivent la pluie."),
            quality=PracticeTranslation.Quality.HUMAN_CHECKED,
        )
    vectors = practice_vectors(practice_ids=[published.pk])[published.pk]
    assert set(vectors) == {published.language, other}


def test_an_embedder_outage_delays_vectors_and_loses_nothing(published, settings):
    settings.EMBEDDER = BROKEN_EMBEDDER
    SearchOutbox.objects.create(practice_id=published.pk)
    assert outbox_drain() == 1  # the text is indexed all the same
    assert not SearchOutbox.objects.exists()
    report = search_check()
    assert report.vector_missing == [published.pk]
    assert not report.vectors_clean

    settings.EMBEDDER = "core.embedding.UniversalSentenceEncoder"
    swept = vectors_sweep()
    assert swept.computed == 1 and swept.practice_ids == {published.pk}
    # The practice goes back through the outbox so that the index receives its vector.
    assert SearchOutbox.objects.filter(practice_id=published.pk).exists()
    assert search_check().vectors_clean


def test_the_command_computes_what_is_missing_then_nothing(published, capsys):
    call_command("vectors_refresh")
    assert "1 vector(s) computed" in capsys.readouterr().out
    call_command("vectors_refresh")
    assert "0 vector(s) computed" in capsys.readouterr().out
