"""What a practice looks like to the search engine: one document per published practice.

Meaning (issue 13): a document carries one sentence vector, `vector`, the normalised mean of
the vectors stored on its language versions (practices.vectors computes them off the request
path; nothing here embeds a text). Why the mean and not the original's vector: Elasticsearch
holds one indexed dense_vector per document (several would need nested documents, whose knn
hits break the one-document-one-hit counting the facets rely on); the encoder places the
versions of one practice close together, so their mean stays close to each of them, and a
human translation then pulls the practice towards how readers of that language phrase it
instead of being ignored. A practice none of whose versions has a vector yet (the embedder was
down) is indexed without one: words still find it, and the sweep re-indexes it later.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from django.db.models import Prefetch

from cities.models import size_band_for
from core.languages import LANGUAGE_CODES
from practices.models import SECTION_NAMES, Practice, PracticeTranslation
from practices.vectors import vector_from_bytes

from .facets import year_band


def searchable() -> Any:
    """The practices that belong in search: published ones (archived ones leave search)."""
    return Practice.objects.filter(review_state=Practice.ReviewState.PUBLISHED)


def _load(ids: Iterable[int] | None) -> Any:
    practices = Practice.objects.select_related(
        "city__country__subregion__parent"
    ).prefetch_related(
        Prefetch("translations", queryset=PracticeTranslation.objects.all()),
        "challenges",
        "sdgs",
        "topics",
    )
    if ids is not None:
        practices = practices.filter(pk__in=list(ids))
    return practices


# Decimals kept of each vector component sent to Elasticsearch. A component of a unit vector
# in 512 dimensions is about 0.04; six decimals move a cosine by at most about 1e-5 (far below
# any floor that matters), and the JSON of a document shrinks from 13 to 9 KB, which is what
# a rebuild spends its time writing and the node parsing (benchmarks/search.py).
VECTOR_DECIMALS = 6


def mean_vector(vectors: Iterable[Any]) -> list[float] | None:
    """The L2-normalised mean of these vectors (components rounded to VECTOR_DECIMALS), or
    None when there are none (or they cancel out, which real sentence vectors do not)."""
    rows = [np.asarray(v, dtype=np.float32) for v in vectors if v is not None]
    if not rows:
        return None
    mean = np.mean(np.stack(rows), axis=0)
    norm = float(np.linalg.norm(mean))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    return [round(float(x), VECTOR_DECIMALS) for x in mean / norm]


def build_document(practice: Practice) -> dict[str, Any]:
    city = practice.city
    country = city.country
    subregion = country.subregion
    doc: dict[str, Any] = {
        "id": practice.pk,
        "language": practice.language,
        "languages": sorted(t.language_code for t in practice.translations.all()),
        "challenges": sorted(c.slug for c in practice.challenges.all()),
        "sdgs": sorted(str(s.number) for s in practice.sdgs.all()),
        "topics": sorted(t.slug for t in practice.topics.all()),
        "region": subregion.parent.code if subregion and subregion.parent else "",
        "subregion": subregion.code if subregion else "",
        "country": country.iso2,
        "city": city.slug,
        "city_name": city.name,
        "status": practice.status,
        "start_year": practice.start_year,
        "year_band": year_band(practice.start_year),
        "size_band": size_band_for(city.population),
        "award": "yes" if practice.awards.strip() else "no",
        "published_at": practice.published_at.isoformat() if practice.published_at else None,
        "adapted_count": practice.adapted_count,
        "updated_at": practice.updated_at.isoformat(),
    }
    titles = []
    for text in practice.translations.all():
        lang = text.language_code
        if lang not in LANGUAGE_CODES:
            continue
        doc[f"title_{lang}"] = text.title
        doc[f"summary_{lang}"] = text.summary
        doc[f"body_{lang}"] = "\n\n".join(
            getattr(text, n) for n in SECTION_NAMES if getattr(text, n)
        )
        titles.append(text.title)
    doc["suggest"] = {"input": [*titles, city.name]}
    vector = mean_vector(vector_from_bytes(t.embedding) for t in practice.translations.all())
    if vector is not None:
        doc["vector"] = vector
    return doc


def documents(
    ids: Iterable[int] | None = None, *, chunk: int = 500
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(id, document) for each practice, or (id, None) when it must leave the index."""
    wanted = None if ids is None else set(ids)
    seen: set[int] = set()
    practices = (
        _load(wanted)
        if wanted is not None
        else _load(None).filter(review_state=Practice.ReviewState.PUBLISHED)
    )
    for practice in practices.order_by("pk").iterator(chunk_size=chunk):
        seen.add(practice.pk)
        if practice.review_state == Practice.ReviewState.PUBLISHED:
            yield practice.pk, build_document(practice)
        else:
            yield practice.pk, None
    for missing in (wanted or set()) - seen:
        yield missing, None  # deleted from the database
