"""The database search backend: the embedded default, also the fallback when Elasticsearch is
down. Same facets and counts as Elasticsearch, simpler ranking.

Text matching: on PostgreSQL, full-text search (`websearch_to_tsquery` over every language's
title, summary and body with the `simple` configuration, ranked with `ts_rank`, title weighted
above summary above body); elsewhere (SQLite) every word of the query must appear in the title,
summary or body of some language of the practice (case-insensitive), ranked by where it appears.
The database is always current, so index/remove have nothing to do.

The database is its own index: `refresh` has nothing to make visible (a committed write is
searchable at once), and `indexed_versions` returns the published practices themselves with
their current versions, so search_check compares the database with itself and always finds it
clean. That is the truth, not a shortcut: nothing can be missing or stale here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Q
from django.utils.html import escape

from cities.models import City, size_band_for
from practices.models import Practice, PracticeTranslation

from ..documents import SECTION_NAMES, searchable
from ..facets import FACETS, YEAR_BANDS, year_band
from .base import MAX_RESULTS, FacetValue, Hit, SearchBackend, SearchPage, SearchQuery

WORD = re.compile(r"\w+", re.UNICODE)
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
        words = WORD.findall(text.lower())[:20]
        if not words:
            return None
        if connection.vendor == "postgresql":
            # practices_practice_translation.search_vector: see search/migrations/0003.
            sql = """
                SELECT t.master_id, max(ts_rank(t.search_vector, q.query))
                FROM practices_practice_translation t
                JOIN practices_practice p ON p.id = t.master_id,
                     plainto_tsquery('simple'::regconfig, %s) AS q(query)
                WHERE p.review_state = %s AND t.search_vector @@ q.query
                GROUP BY t.master_id
            """
            with connection.cursor() as cursor:
                cursor.execute(sql, [" ".join(words), Practice.ReviewState.PUBLISHED])
                ranks: dict[int, float] = {pk: float(rank) for pk, rank in cursor.fetchall()}
            city_match = searchable().filter(city__name__iexact=text.strip())
            for pk in city_match.values_list("pk", flat=True):
                ranks[pk] = max(ranks.get(pk, 0.0), 0.5)
            return ranks
        practices = searchable()
        for word in words:
            in_text = Q(translations__title__icontains=word) | Q(
                translations__summary__icontains=word
            )
            for name in SECTION_NAMES:
                in_text |= Q(**{f"translations__{name}__icontains": word})
            in_text |= Q(city__name__icontains=word)
            practices = practices.filter(pk__in=Practice.objects.filter(in_text).values("pk"))
        ids = list(practices.values_list("pk", flat=True))
        texts = PracticeTranslation.objects.filter(master_id__in=ids)
        first = words[0]
        in_title = set(texts.filter(title__icontains=first).values_list("master_id", flat=True))
        in_summary = set(texts.filter(summary__icontains=first).values_list("master_id", flat=True))
        return {pk: 3.0 if pk in in_title else 2.0 if pk in in_summary else 1.0 for pk in ids}

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

    def _match(
        self, query: SearchQuery
    ) -> tuple[list[int], dict[int, float] | None, dict[str, dict[str, int]]]:
        """The matching ids in order, the text ranks, and every facet's counts."""
        ranks = self._text_matches(query.text)
        text_ids = None if ranks is None else list(ranks)
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
        if ranks is not None and query.sort == "relevance":
            ordered.sort(key=lambda pk: -ranks[pk])  # stable: equal ranks stay newest first
        return ordered, ranks, counts

    def ids(self, query: SearchQuery, *, limit: int) -> list[int]:
        return self._match(query)[0][:limit]

    def search(self, query: SearchQuery) -> SearchPage:
        ordered, ranks, counts = self._match(query)
        total = len(ordered)
        start = (query.page - 1) * query.page_size
        stop = min(start + query.page_size, MAX_RESULTS)
        rows = ordered[start:stop] if start < stop else []
        hits = [Hit(id=pk, score=ranks.get(pk) if ranks else None) for pk in rows]
        if ranks is not None:
            self._highlight(hits, query)
        suggestion = self._did_you_mean(query.text) if ranks is not None and total < 3 else ""
        return SearchPage(
            query=query,
            total=total,
            hits=hits,
            facets=_facet_values(query, counts),
            suggestion=suggestion,
            backend=self.name,
        )

    def _highlight(self, hits: list[Hit], query: SearchQuery) -> None:
        words = [w for w in WORD.findall(query.text.lower()) if len(w) > 1]
        if not words:
            return
        pattern = re.compile(
            "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I
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
                if pattern.search(value):
                    hit.highlights[name] = [_mark(value, pattern)]
            body = " ".join(getattr(text, n) for n in SECTION_NAMES)
            match = pattern.search(body)
            if match:
                start = max(0, match.start() - 80)
                hit.highlights["body"] = [_mark(body[start : start + 200], pattern)]

    # The words of published titles, rebuilt when the published practices change (their count
    # or latest update), so a correction never suggests a word that is gone.
    _vocabulary: tuple[tuple[Any, ...], list[str]] = ((), [])

    def _did_you_mean(self, text: str) -> str:
        version = tuple(searchable().aggregate(n=Count("pk"), last=Max("updated_at")).values())
        cached, words = DatabaseBackend._vocabulary
        if cached != version:
            seen: set[str] = set()
            titles = PracticeTranslation.objects.filter(
                master__review_state=Practice.ReviewState.PUBLISHED
            ).values_list("title", flat=True)
            for title in titles[:20000]:
                seen.update(w.lower() for w in WORD.findall(title) if len(w) > 2)
            words = sorted(seen)
            DatabaseBackend._vocabulary = (version, words)
        out, changed = [], False
        for word in WORD.findall(text.lower()):
            if word in words:
                out.append(word)
                continue
            close = difflib.get_close_matches(word, words, n=1, cutoff=0.75)
            out.append(close[0] if close else word)
            changed = changed or bool(close)
        return " ".join(out) if changed else ""

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


def _mark(value: str, pattern: re.Pattern[str]) -> str:
    out: list[str] = []
    last = 0
    for match in pattern.finditer(value):
        out.append(escape(value[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
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
