"""The database search backend: the embedded default, also the fallback when Elasticsearch is
down. Same facets and counts as Elasticsearch, simpler ranking.

Text matching ("lexical", issue 13): on PostgreSQL, full-text search over every language's
title, summary and body, each indexed with the English, French and Spanish configurations with
accents folded (search/migrations/0005); the query is parsed with all three and a version
matches if any of them does, so plurals and stems match ("transports" for "transport") and
"mobilite" finds "mobilité". Ranked with `ts_rank` (title above summary above body), and a
title containing the whole query (a practice's name) ranks above everything. Elsewhere (SQLite)
every word of the query, folded (case and accents, `fold`), must appear in the title, summary,
body or city of some language of the practice: as the start of a word when it has PREFIX_MIN
letters or more, as a whole word (or its plural or singular) when shorter (`_forms`). The
database is always current, so index/remove have nothing to do.

Meaning ("semantic"): the query is embedded (core.embedding) and compared by cosine with the
stored vector of every language version (practices.vectors); a practice's similarity is its
best version's. Only practices at or above `SEMANTIC_THRESHOLD` join (why that value: its
comment). In "combined" mode the hits are the lexical ones plus those semantic ones; lexical
hits rank first, by text rank, then the semantic-only ones by similarity, labelled `related`.
Facets and total are computed over exactly that set. When the embedder is unavailable the
search is lexical and the page says `semantic_unavailable`.

The vectors are held in one NumPy matrix per process (`_VectorCache`). Each query first reads
one counter that every write to the vectors bumps (search/migrations/0006; on SQLite the
(row id, embedding_hash) pairs are compared instead); when it moved, only rows added or whose
hash changed are read again, so a vector the outbox drain computes after a commit is used by
the next query.

Cost and where it stops scaling: measured by benchmarks/semantic_database.py at 10,000 and
100,000 practices; the figures and what to switch to are in docs/search.md ("Figures").

The database is its own index: `refresh` has nothing to make visible (a committed write is
searchable at once), and `indexed_versions` returns the published practices themselves with
their current versions, so search_check compares the database with itself and always finds it
clean. That is the truth, not a shortcut: nothing can be missing or stale here.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, F, Max, Q
from django.utils.html import escape
from numpy.typing import NDArray

from cities.models import City, size_band_for
from core.embedding import EmbedderUnavailable, get_embedder
from core.languages import LANGUAGE_CODES
from practices.models import Practice, PracticeTranslation
from practices.vectors import practice_vectors, vector_from_bytes

from ..documents import SECTION_NAMES, searchable
from ..facets import FACETS, YEAR_BANDS, year_band
from .base import (
    MAX_RESULTS,
    NEAREST_MAX,
    CityNeighbours,
    FacetValue,
    Hit,
    Neighbour,
    SearchBackend,
    SearchPage,
    SearchQuery,
)

WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Cosine at or above which a practice close in meaning joins the hits. Tuned on the judged set
# (benchmarks/relevance: 91 queries x 164 practices, each practice's title and summary as
# stored): at 0.40, 92% of the pairs above it are judged relevant and a query gains 0.05 wrong
# practices on average; at 0.38 precision falls to 81% (0.15 wrong per query), at 0.35 to 79%
# (0.24). Below 0.40 each step adds mostly noise; above it recall drops (19% of relevant pairs
# at 0.40, 11% at 0.45) with little precision left to gain. Lexical hits are not subject to it.
SEMANTIC_THRESHOLD = 0.40
# A query is embedded from its first characters only: a longer one says no more about what is
# wanted, and the tokenizer costs about a second per 10,000 characters.
QUERY_CHARS = 500
# `nearest` checks the published and facet filters on this many of the most similar practices
# at a time: one chunk is usually enough, and a narrow filter costs a few more small queries
# rather than reading every practice it allows.
NEAREST_CHUNK = 500
# What one shared topic adds to a cosine in more_like_this: enough to order near-ties.
MORE_LIKE_THIS_TOPIC = 0.05
THROUGH = {
    "challenge": (Practice.challenges.through, "challenge__slug"),
    "sdg": (Practice.sdgs.through, "sdg__number"),
    "topic": (Practice.topics.through, "topic__slug"),
}
ROW_FIELDS = (
    "pk",
    "published_at",
    "language",
    "status",
    "start_year",
    "awards",
    "city__slug",
    "city__population",
    "city__country__iso2",
    "city__country__subregion__parent__code",
    "adapted_count",
)


def _row_values(row: tuple[Any, ...]) -> dict[str, set[str]]:
    """The facet values of one practice row (see ROW_FIELDS), as the index would hold them."""
    _pk, _published, language, status, start_year, awards, city, population, iso2, region = row[:10]
    band = year_band(start_year)
    return {
        "language": {language},
        "status": {status},
        "year": {band} if band else set(),
        "award": {"yes" if (awards or "").strip() else "no"},
        "city": {city},
        "size_band": {size_band_for(population)},
        "country": {iso2},
        "region": {region} if region else set(),
    }


class DatabaseBackend(SearchBackend):
    name = "database"

    def index(self, ids: Iterable[int]) -> None:
        return None

    def remove(self, ids: Iterable[int]) -> None:
        return None

    def rebuild(self) -> int:
        return searchable().count()

    def refresh(self) -> None:
        return None

    def indexed_versions(self) -> dict[int, str]:
        return {pk: stamp.isoformat() for pk, stamp in searchable().values_list("pk", "updated_at")}

    # -- searching -------------------------------------------------------------------------

    def _text_matches(self, text: str) -> dict[int, float] | None:
        """Practices (published) matching the text, with a rank; None when there is no text.

        Computed once per search and reused by the hits and every facet count."""
        words = WORD.findall(fold(text))[:20]
        if not words:
            return None
        phrase = " ".join(words)
        if connection.vendor == "postgresql":
            # practices_practice_translation.search_vector: see search/migrations/0005. A
            # config whose stop words swallow the whole query parses to an empty query, which
            # `||` drops.
            sql = """
                SELECT t.master_id, max(
                    ts_rank(t.search_vector, q.query)
                    + CASE WHEN strpos(lower(unaccent(t.title)), %s) > 0 THEN 1 ELSE 0 END
                )
                FROM practices_practice_translation t
                JOIN practices_practice p ON p.id = t.master_id,
                     (SELECT plainto_tsquery('pt_english'::regconfig, %s)
                          || plainto_tsquery('pt_french'::regconfig, %s)
                          || plainto_tsquery('pt_spanish'::regconfig, %s)) AS q(query)
                WHERE p.review_state = %s AND t.search_vector @@ q.query
                GROUP BY t.master_id
            """
            with connection.cursor() as cursor:
                cursor.execute(
                    sql, [phrase, phrase, phrase, phrase, Practice.ReviewState.PUBLISHED]
                )
                ranks: dict[int, float] = {pk: float(rank) for pk, rank in cursor.fetchall()}
            city_sql = """
                SELECT p.id FROM practices_practice p JOIN cities_city c ON c.id = p.city_id
                WHERE p.review_state = %s AND lower(unaccent(c.name)) = %s
            """
            with connection.cursor() as cursor:
                cursor.execute(city_sql, [Practice.ReviewState.PUBLISHED, phrase])
                for (pk,) in cursor.fetchall():
                    ranks[pk] = max(ranks.get(pk, 0.0), 0.5)
            return ranks
        return self._text_matches_folded(words)

    def _text_matches_folded(self, words: list[str]) -> dict[int, float]:
        """Anywhere but PostgreSQL: every word (or its singular) in some version's text or the
        city's name, compared folded; ranked by where the words appear, a title holding the
        whole query first."""
        _register_fold()
        sections = " || ' ' || ".join(f"coalesce(t.{name}, '')" for name in SECTION_NAMES)
        found: dict[int, float] | None = None
        for word in words[:10]:
            variants = [f" {form} " if whole else f" {form}" for form, whole in _forms(word)]
            anywhere = " OR ".join(["instr(pt_words(d.doc), %s) > 0"] * len(variants))
            in_title = " OR ".join(["instr(pt_words(d.title), %s) > 0"] * len(variants))
            in_summary = " OR ".join(["instr(pt_words(d.summary), %s) > 0"] * len(variants))
            # Only fixed SQL is interpolated (placeholders and column names); values are bound.
            sql = f"""
                SELECT d.master_id, max(CASE WHEN {in_title} THEN 3 WHEN {in_summary} THEN 2
                                             ELSE 1 END)
                FROM (SELECT t.master_id, t.title, t.summary,
                             t.title || ' ' || t.summary || ' ' || {sections} || ' ' || c.name
                                 AS doc
                      FROM practices_practice_translation t
                      JOIN practices_practice p ON p.id = t.master_id
                      JOIN cities_city c ON c.id = p.city_id
                      WHERE p.review_state = %s) d
                WHERE {anywhere}
                GROUP BY d.master_id
            """  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(
                    sql, [*variants, *variants, Practice.ReviewState.PUBLISHED, *variants]
                )
                scores = {pk: float(score) for pk, score in cursor.fetchall()}
            found = (
                scores
                if found is None
                else {pk: found[pk] + score for pk, score in scores.items() if pk in found}
            )
            if not found:
                return {}
        assert found is not None
        phrase = " ".join(words)
        titles = PracticeTranslation.objects.filter(master_id__in=list(found)).values_list(
            "master_id", "title"
        )
        for pk, title in titles:
            if f" {phrase}" in _words(title):
                found[pk] = max(found[pk], 100.0 + found[pk])
        return found

    def _semantic_matches(
        self, text: str, *, floor: float | None = None
    ) -> dict[int, float] | None:
        """Published or not, the practices whose best version is at least `floor` (default
        SEMANTIC_THRESHOLD) close to the text, with that similarity; None when the embedder is
        unavailable. (The published and facet filters are applied with the lexical hits, in
        `_rows`.)"""
        text = text.strip()[:QUERY_CHARS]
        if not WORD.search(text):
            return {}
        try:
            vector = get_embedder().embed([text])[0]
        except EmbedderUnavailable:
            return None
        return _VECTORS.closest(vector, threshold=SEMANTIC_THRESHOLD if floor is None else floor)

    def _rows(
        self, query: SearchQuery, text_ids: list[int] | None
    ) -> list[tuple[int, Any, int, dict[str, set[str]]]]:
        """(id, published_at, facet values) of every published practice the text (and year
        range) allows; facets are then applied in Python, so every facet's counts come from the
        same few queries whatever the number of facets selected."""
        practices = searchable()
        if text_ids is not None:
            practices = practices.filter(pk__in=text_ids)
        if query.year_from is not None:
            practices = practices.filter(start_year__gte=query.year_from)
        if query.year_to is not None:
            practices = practices.filter(start_year__lte=query.year_to)
        rows = {
            row[0]: (row[1], row[10], _row_values(row))
            for row in practices.values_list(*ROW_FIELDS)
        }
        for param, (model, lookup) in THROUGH.items():
            for value in rows.values():
                value[2][param] = set()
            pairs = model.objects.filter(practice__in=practices).values_list("practice_id", lookup)
            for pk, value in pairs:
                if pk in rows:
                    rows[pk][2][param].add(str(value))
        return [
            (pk, published, adapted, values) for pk, (published, adapted, values) in rows.items()
        ]

    def _match(self, query: SearchQuery) -> _Matched:
        """The matching ids in order, their scores, which were found by meaning alone, and
        every facet's counts (over exactly those ids)."""
        ranks = None if query.mode == "semantic" else self._text_matches(query.text)
        similar: dict[int, float] = {}
        unavailable = False
        if query.mode != "lexical" and WORD.search(query.text):
            found = self._semantic_matches(query.text, floor=query.similarity_floor)
            unavailable = found is None
            similar = found or {}
            if query.mode == "semantic":
                lexical = self._text_matches(query.text) or {}
                ranks = {}
            else:
                lexical = ranks or {}
                ranks = dict(ranks or {})
            related = {pk for pk in similar if pk not in lexical}
        else:
            related = set()
        scores: dict[int, float] | None = None
        if ranks is not None:
            # Lexical hits first whatever their rank: an offset above any cosine (at most 1).
            scores = {pk: 2.0 + rank for pk, rank in ranks.items()}
            for pk, similarity in similar.items():
                if pk not in scores:
                    scores[pk] = similarity
        text_ids = None if scores is None else list(scores)
        selected = {p: set(v) for p, v in query.filters.items() if v}
        counts: dict[str, dict[str, int]] = {facet.param: {} for facet in FACETS}
        matching: list[tuple[int, Any, int]] = []
        for pk, published, adapted, values in self._rows(query, text_ids):
            failing = [p for p, wanted in selected.items() if not values.get(p, set()) & wanted]
            if len(failing) > 1:
                continue
            if not failing:
                matching.append((pk, published, adapted))
            # A facet's counts ignore its own selection: a row that fails only that facet
            # still counts for it.
            for facet in FACETS:
                if failing and failing[0] != facet.param:
                    continue
                bucket = counts[facet.param]
                for value in values.get(facet.param, ()):
                    bucket[value] = bucket.get(value, 0) + 1
        oldest = datetime.min.replace(tzinfo=UTC)
        matching.sort(key=lambda item: (item[1] or oldest, item[0]), reverse=True)
        if query.sort == "adapted":
            matching.sort(key=lambda item: -item[2])  # stable: newest first among equals
        ordered = [pk for pk, _published, _adapted in matching]
        if scores is not None and query.sort == "relevance":
            ranked = scores
            ordered.sort(key=lambda pk: -ranked[pk])  # stable: equal ranks stay newest first
        shown = None if scores is None else {**(ranks or {}), **{pk: similar[pk] for pk in related}}
        return _Matched(ordered, shown, related, counts, unavailable)

    def ids(self, query: SearchQuery, *, limit: int) -> list[int]:
        return self._match(query).ordered[:limit]

    def search(self, query: SearchQuery) -> SearchPage:
        matched = self._match(query)
        ordered, ranks, counts = matched.ordered, matched.scores, matched.counts
        total = len(ordered)
        start = (query.page - 1) * query.page_size
        stop = min(start + query.page_size, MAX_RESULTS)
        rows = ordered[start:stop] if start < stop else []
        hits = [
            Hit(id=pk, score=ranks.get(pk) if ranks else None, related=pk in matched.related)
            for pk in rows
        ]
        if ranks is not None:
            self._highlight(hits, query)
        lexical_total = total - len(set(ordered) & matched.related)
        suggestion = self._did_you_mean(query) if ranks is not None and lexical_total < 3 else ""
        return SearchPage(
            query=query,
            total=total,
            hits=hits,
            facets=_facet_values(query, counts),
            suggestion=suggestion,
            backend=self.name,
            semantic_unavailable=matched.semantic_unavailable,
        )

    def _highlight(self, hits: list[Hit], query: SearchQuery) -> None:
        words = [w for w in WORD.findall(fold(query.text))[:20] if len(w) > 1]
        if not words:
            return
        # Marked on folded text as they were found (_forms): "mobilite" marks "Mobilité",
        # "transport" marks "transports" (from the start of a word to its end), "car" marks
        # "car" and "cars" but not "carril".
        forms = {form for w in words for form in _forms(w)}
        pattern = re.compile(
            "|".join(
                rf"\b{re.escape(form)}\b" if whole else rf"\b{re.escape(form)}\w*"
                for form, whole in sorted(forms, key=lambda f: len(f[0]), reverse=True)
            )
        )
        texts = {
            t.master_id: t
            for t in PracticeTranslation.objects.filter(
                master_id__in=[h.id for h in hits], language_code=query.language
            )
        }
        originals = PracticeTranslation.objects.filter(
            master_id__in=[h.id for h in hits]
        ).select_related("master")
        for t in originals:
            if t.language_code == t.master.language and t.master_id not in texts:
                texts[t.master_id] = t
        for hit in hits:
            text = texts.get(hit.id)
            if text is None:
                continue
            for name, value in (("title", text.title), ("summary", text.summary)):
                spans = _spans(value, pattern)
                if spans:
                    hit.highlights[name] = [_mark(value, spans)]
            body = " ".join(getattr(text, n) for n in SECTION_NAMES)
            spans = _spans(body, pattern)
            if spans:
                start = max(0, spans[0][0] - 80)
                excerpt = body[start : start + 200]
                hit.highlights["body"] = [_mark(excerpt, _spans(excerpt, pattern))]

    # The words of published titles, rebuilt when the published practices change (their count
    # or latest update), so a correction never suggests a word that is gone.
    _vocabulary: tuple[tuple[Any, ...], list[str]] = ((), [])

    def _did_you_mean(self, query: SearchQuery) -> str:
        """A spelling correction from the words of published titles, offered only when the
        corrected text has (lexical) results under the same filters."""
        version = tuple(searchable().aggregate(n=Count("pk"), last=Max("updated_at")).values())
        cached, words = DatabaseBackend._vocabulary
        if cached != version:
            seen: set[str] = set()
            titles = PracticeTranslation.objects.filter(
                master__review_state=Practice.ReviewState.PUBLISHED
            ).values_list("title", flat=True)
            for title in titles[:20000]:
                seen.update(w for w in WORD.findall(fold(title)) if len(w) > 2)
            words = sorted(seen)
            DatabaseBackend._vocabulary = (version, words)
        out, changed = [], False
        for word in WORD.findall(fold(query.text))[:20]:
            # A word of the titles, or one that some practice's text contains ("cable" in a
            # body), is no misspelling: "cable car" was corrected to "calle car".
            if word in words or self._text_matches(word):
                out.append(word)
                continue
            close = difflib.get_close_matches(word, words, n=1, cutoff=0.75)
            out.append(close[0] if close else word)
            changed = changed or bool(close)
        if not changed:
            return ""
        correction = " ".join(out)
        corrected = replace(query, text=correction, mode="lexical", page=1)
        return correction if self._match(corrected).ordered else ""

    # -- by meaning alone ------------------------------------------------------------------

    def nearest(
        self,
        vector: Sequence[float],
        *,
        filters: dict[str, tuple[str, ...]],
        limit: int,
        min_similarity: float,
    ) -> list[Neighbour]:
        """One matrix product over every stored language version (the cache `search` uses); a
        practice's similarity is its best version's. The published and facet filters are then
        checked on the most similar first, NEAREST_CHUNK at a time, until `limit` are kept."""
        if limit <= 0:
            return []
        best = _VECTORS.closest(np.asarray(vector, dtype=np.float32), threshold=min_similarity)
        ordered = sorted(best, key=lambda pk: (-best[pk], pk))
        selected = {param: set(values) for param, values in filters.items() if values}
        out: list[Neighbour] = []
        for start in range(0, len(ordered), NEAREST_CHUNK):
            chunk = ordered[start : start + NEAREST_CHUNK]
            allowed = {
                pk
                for pk, _published, _adapted, values in self._rows(SearchQuery(), chunk)
                if all(values.get(param, set()) & wanted for param, wanted in selected.items())
            }
            for pk in chunk:
                if pk in allowed:
                    out.append(Neighbour(id=pk, similarity=best[pk]))
                    if len(out) == limit:
                        return out
        return out

    def nearest_by_city(
        self,
        vector: Sequence[float],
        *,
        filters: dict[str, tuple[str, ...]],
        min_similarity: float,
        language: str,
        cities: int,
        per_city: int,
        band: float | None = None,
    ) -> list[CityNeighbours]:
        """The same matrix product as `nearest` (a practice's similarity is its best
        version's), the NEAREST_MAX closest kept, then their facet values and languages read
        in a few queries, the band applied and the rest grouped by city in Python."""
        if cities <= 0:
            return []
        best = _VECTORS.closest(np.asarray(vector, dtype=np.float32), threshold=min_similarity)
        ordered = sorted(best, key=lambda pk: (-best[pk], pk))[:NEAREST_MAX]
        selected = {param: set(values) for param, values in filters.items() if values}
        kept: list[tuple[int, str, str]] = []  # (id, city, original language)
        readable: set[int] = set()
        for start in range(0, len(ordered), NEAREST_CHUNK * 4):
            chunk = ordered[start : start + NEAREST_CHUNK * 4]
            for pk, _published, _adapted, values in self._rows(SearchQuery(), chunk):
                if all(values.get(param, set()) & wanted for param, wanted in selected.items()):
                    original = next(iter(values["language"]))
                    kept.extend((pk, city, original) for city in values["city"])
            readable.update(
                PracticeTranslation.objects.filter(
                    master_id__in=chunk, language_code=language
                ).values_list("master_id", flat=True)
            )
        if band is not None:
            # As Elasticsearch counts: at most NEAREST_MAX / 3 per language, the closest.
            tops: dict[str, float] = {}
            per_language: dict[str, int] = {}
            banded = []
            for row in sorted(kept, key=lambda row: (-best[row[0]], row[0])):
                original = row[2]
                tops.setdefault(original, best[row[0]])
                if best[row[0]] < tops[original] - band:
                    continue
                per_language[original] = per_language.get(original, 0) + 1
                if per_language[original] <= NEAREST_MAX // len(LANGUAGE_CODES):
                    banded.append(row)
            kept = banded
        owned: dict[str, list[int]] = {}
        for pk, city, _original in kept:
            owned.setdefault(city, []).append(pk)
        out = []
        # The cut as Elasticsearch's terms aggregation makes it: most practices, then slug.
        for city in sorted(owned, key=lambda city: (-len(owned[city]), city))[:cities]:
            pks = sorted(owned[city], key=lambda pk: (-best[pk], pk))
            out.append(
                CityNeighbours(
                    city=city,
                    count=len(pks),
                    in_language=sum(1 for pk in pks if pk in readable),
                    closest=tuple(Neighbour(id=pk, similarity=best[pk]) for pk in pks[:per_city]),
                )
            )
        out.sort(key=lambda c: (-c.count, -(c.closest[0].similarity if c.closest else -2), c.city))
        return out

    # -- suggestions and similar practices ---------------------------------------------------

    def suggest(self, prefix: str, *, language: str = "en", limit: int = 8) -> list[dict[str, str]]:
        prefix = prefix.strip()
        if len(prefix) < 2:
            return []
        rows = (
            PracticeTranslation.objects.filter(
                master__review_state=Practice.ReviewState.PUBLISHED, title__istartswith=prefix
            )
            .select_related("master")
            .order_by("title")[: limit * 3]
        )
        out: list[dict[str, str]] = []
        seen: set[str] = set()
        for row in rows:
            if row.title not in seen:
                seen.add(row.title)
                out.append({"text": row.title, "url": row.master.get_absolute_url()})
        for city in City.objects.filter(
            name__istartswith=prefix, practices__review_state=Practice.ReviewState.PUBLISHED
        ).distinct()[:limit]:
            if city.name not in seen:
                seen.add(city.name)
                out.append({"text": city.name, "url": city.get_absolute_url()})
        return out[:limit]

    def more_like_this(self, practice: Practice, *, limit: int = 5) -> list[int]:
        """Published practices closest in meaning (the best cosine between any version of each,
        across languages), a shared topic adding MORE_LIKE_THIS_TOPIC so that of two equally
        close practices the one on the same subject comes first. Without a stored vector, the
        practices sharing most topics and challenges."""
        own = practice_vectors(practice_ids=[practice.pk]).get(practice.pk)
        if not own:
            return self._more_like_this_by_topics(practice, limit=limit)
        best: dict[int, float] = {}
        for vector in own.values():
            for pk, similarity in _VECTORS.closest(vector, threshold=-1.0).items():
                if pk != practice.pk:
                    best[pk] = max(best.get(pk, -1.0), similarity)
        published = set(searchable().filter(pk__in=list(best)).values_list("pk", flat=True))
        topics = set(practice.topics.values_list("pk", flat=True))
        shared: dict[int, int] = {}
        for pk in Practice.topics.through.objects.filter(
            practice_id__in=published, topic_id__in=topics
        ).values_list("practice_id", flat=True):
            shared[pk] = shared.get(pk, 0) + 1
        scored = sorted(
            published,
            key=lambda pk: (-(best[pk] + MORE_LIKE_THIS_TOPIC * shared.get(pk, 0)), -pk),
        )
        return scored[:limit]

    def _more_like_this_by_topics(self, practice: Practice, *, limit: int) -> list[int]:
        topics = list(practice.topics.values_list("pk", flat=True))
        challenges = list(practice.challenges.values_list("pk", flat=True))
        similar = (
            searchable()
            .exclude(pk=practice.pk)
            .annotate(
                overlap=Count("topics", filter=Q(topics__in=topics), distinct=True) * 2
                + Count("challenges", filter=Q(challenges__in=challenges), distinct=True)
            )
            .filter(overlap__gt=0)
            .order_by("-overlap", F("published_at").desc(nulls_last=True), "-pk")
        )
        return list(similar.values_list("pk", flat=True)[:limit])


@dataclass
class _Matched:
    ordered: list[int]
    # Text rank of lexical hits, similarity of the semantic-only ones; None without text.
    scores: dict[int, float] | None
    related: set[int]
    counts: dict[str, dict[str, int]]
    semantic_unavailable: bool


def fold(text: str) -> str:
    """Lower case without accents ("Mobilité" -> "mobilite"), the way PostgreSQL's unaccent
    configurations see words; NUL and other control characters become spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _CONTROL.sub(" ", kept.casefold())


# A query word this long or longer matches the words that start with it ("transport" finds
# "transports", "transporte", "transportation"); a shorter one matches whole words only, with its
# plural or singular forms ("car" finds "car" and "cars", not "carril", "cargo" or "scarce",
# which substring matching gave for the demo's "cable car").
PREFIX_MIN = 5


def _forms(word: str) -> list[tuple[str, bool]]:
    """(form, whole word?) pairs that a query word matches in folded text."""
    if len(word) >= PREFIX_MIN:
        return [(v, False) for v in _variants(word)]
    plurals = [word + "s", word + "es"] + ([word[:-1] + "ies"] if word.endswith("y") else [])
    return [(v, True) for v in dict.fromkeys([*_variants(word), *plurals])]


def _words(value: str) -> str:
    """Folded words separated and surrounded by single spaces, for whole-word matching."""
    return " " + " ".join(WORD.findall(fold(value))) + " "


def _variants(word: str) -> list[str]:
    """The word and its likely singulars (English, French, Spanish), for substring matching:
    "cities" -> "city", "reseaux" -> "reseau", "buses" -> "bus", "femmes" -> "femme"."""
    out = [word]
    if len(word) > 3:
        if word.endswith("ies"):
            out.append(word[:-3] + "y")
        if word.endswith("eaux"):
            out.append(word[:-1])
        elif word.endswith("aux"):
            out.append(word[:-3] + "al")
        if word.endswith(("s", "x")):
            out.append(word[:-1])
        if word.endswith("es") and len(word) > 4:
            out.append(word[:-2])
    return list(dict.fromkeys(out))


def _register_fold() -> None:
    """Make `pt_fold` (see `fold`) callable from SQL on this SQLite connection (registering it
    again replaces it, and costs microseconds, so it is done before every use)."""
    connection.ensure_connection()
    connection.connection.create_function(
        "pt_fold", 1, lambda v: fold(v) if v else "", deterministic=True
    )
    connection.connection.create_function(
        "pt_words", 1, lambda v: _words(v) if v else " ", deterministic=True
    )


class _VectorCache:
    """Every stored language-version vector in one matrix, with its practice per row.

    Brought up to date on each use from the (row id, embedding_hash) pairs, which is cheap: only
    rows added or whose hash changed are read again, rows gone are dropped. A lock keeps two
    threads from rebuilding at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: dict[int, tuple[int, str]] = {}
        self._vectors: dict[int, NDArray[np.float32]] = {}
        self._matrix: NDArray[np.float32] = np.empty((0, 0), dtype=np.float32)
        self._practices: NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._checked: tuple[int, ...] | None = None

    @staticmethod
    def _key() -> tuple[int, ...] | None:
        """On PostgreSQL, the counter every write to the vectors bumps (search/migrations/0006),
        one row read; None elsewhere: the (id, hash) rows are compared instead."""
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT n FROM search_vector_version")
            row = cursor.fetchone()
        return (int(row[0]),) if row else None

    def current(self) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        # Read before the rows, so that a vector written in between changes it again and the
        # next query catches up.
        key = self._key()
        if key is not None and key == self._checked:
            return self._matrix, self._practices
        rows = PracticeTranslation.objects.filter(embedding__isnull=False).values_list(
            "id", "master_id", "embedding_hash"
        )
        hashes = {pk: (master, digest) for pk, master, digest in rows}
        with self._lock:
            self._checked = key
            if hashes == self._hashes:
                return self._matrix, self._practices
            changed = [pk for pk, value in hashes.items() if self._hashes.get(pk) != value]
            for pk in set(self._vectors) - set(hashes):
                del self._vectors[pk]
            for start in range(0, len(changed), 2000):
                for pk, raw in PracticeTranslation.objects.filter(
                    pk__in=changed[start : start + 2000]
                ).values_list("id", "embedding"):
                    vector = vector_from_bytes(raw)
                    if vector is not None and vector.shape == (self._dimension(vector),):
                        self._vectors[pk] = vector
            ids = [pk for pk in hashes if pk in self._vectors]
            if ids:
                self._matrix = np.stack([self._vectors[pk] for pk in ids])
            else:
                self._matrix = np.empty((0, 0), dtype=np.float32)
            self._practices = np.array([hashes[pk][0] for pk in ids], dtype=np.int64)
            self._hashes = hashes
            return self._matrix, self._practices

    @staticmethod
    def _dimension(vector: NDArray[np.float32]) -> int:
        return int(vector.shape[0])

    def closest(self, vector: NDArray[np.float32], *, threshold: float) -> dict[int, float]:
        """Practice id -> best cosine of its versions with `vector`, for those >= threshold."""
        matrix, practices = self.current()
        if matrix.size == 0 or matrix.shape[1] != vector.shape[0]:
            return {}
        similarities = matrix @ vector.astype(np.float32)
        best: dict[int, float] = {}
        for index in np.flatnonzero(similarities >= threshold):
            pk, value = int(practices[index]), float(similarities[index])
            if value > best.get(pk, -2.0):
                best[pk] = value
        return best


_VECTORS = _VectorCache()


def _spans(value: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Where `pattern` matches the folded `value`, as (start, end) in `value` itself."""
    origin: list[int] = []
    pieces: list[str] = []
    for index, char in enumerate(value):
        piece = fold(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    origin.append(len(value))
    return [(origin[m.start()], origin[m.end()]) for m in pattern.finditer("".join(pieces))]


def _mark(value: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(escape(value[last:start]))
        out.append(f"<mark>{escape(value[start:end])}</mark>")
        last = end
    out.append(escape(value[last:]))
    return "".join(out)


def _facet_values(
    query: SearchQuery, counts: dict[str, dict[str, int]]
) -> dict[str, list[FacetValue]]:
    """Turn raw counts into the labelled, ordered values both backends return."""
    out: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        raw = dict(counts.get(facet.param, {}))
        selected = query.selected(facet.param)
        for value in selected:
            raw.setdefault(value, 0)
        labels = facet.labels(list(raw))
        values = [
            FacetValue(value=v, label=labels.get(v, v), count=n, selected=v in selected)
            for v, n in raw.items()
            if n or v in selected
        ]
        if facet.ordered:
            order = (
                list(YEAR_BANDS)
                if facet.param == "year"
                else list(City.SizeBand.values)
                if facet.param == "size_band"
                else sorted(raw)
            )
            values.sort(key=lambda fv: order.index(fv.value) if fv.value in order else len(order))
        else:
            values.sort(key=lambda fv: (-fv.count, fv.label))
            keep = values[: facet.size]
            values = keep + [fv for fv in values[facet.size :] if fv.selected]
        out[facet.param] = values
    return out


def facet_values(
    query: SearchQuery, counts: dict[str, dict[str, int]]
) -> dict[str, list[FacetValue]]:
    return _facet_values(query, counts)
