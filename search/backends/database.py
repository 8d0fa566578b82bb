"""The database search backend: the embedded default, also the fallback when Elasticsearch is
down. Same facets and counts as Elasticsearch, simpler ranking.

Text matching: on PostgreSQL, full-text search (`websearch_to_tsquery` over every language's
title, summary and body with the `simple` configuration, ranked with `ts_rank`, title weighted
above summary above body); elsewhere (SQLite) every word of the query must appear in the title,
summary or body of some language of the practice (case-insensitive), ranked by where it appears.
The database is always current, so index/remove have nothing to do.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchQuery as PgQuery
from django.contrib.postgres.search import SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils.html import escape

from cities.models import City
from practices.models import Practice, PracticeTranslation

from ..documents import SECTION_NAMES, searchable
from ..facets import FACETS, YEAR_BANDS
from .base import MAX_RESULTS, FacetValue, Hit, SearchBackend, SearchPage, SearchQuery

WORD = re.compile(r"\w+", re.UNICODE)
THROUGH = {
    "challenge": (Practice.challenges.through, "challenge__slug"),
    "sdg": (Practice.sdgs.through, "sdg__number"),
    "topic": (Practice.topics.through, "topic__slug"),
}
FIELD_PATH = {
    "region": "city__country__subregion__parent__code",
    "country": "city__country__iso2",
    "city": "city__slug",
    "language": "language",
    "status": "status",
}
SIZE_BANDS: dict[str, tuple[int | None, int | None]] = {
    City.SizeBand.UNDER_1M: (None, 999_999),
    City.SizeBand.FROM_1M: (1_000_000, 2_999_999),
    City.SizeBand.FROM_3M: (3_000_000, 9_999_999),
    City.SizeBand.OVER_10M: (10_000_000, None),
}


def _range_q(path: str, low: int | None, high: int | None, *, null_is_low: bool = False) -> Q:
    q = Q()
    if low is not None:
        q &= Q(**{f"{path}__gte": low})
    if high is not None:
        q &= Q(**{f"{path}__lte": high})
    if null_is_low and low is None:
        q |= Q(**{f"{path}__isnull": True})
    return q


def _facet_q(param: str, values: tuple[str, ...]) -> Q:
    """The condition "the practice has one of these values" for one facet."""
    if param in THROUGH:
        model, lookup = THROUGH[param]
        if param == "sdg":
            values = tuple(v for v in values if v.isdigit())
        return Q(pk__in=model.objects.filter(**{f"{lookup}__in": values}).values("practice_id"))
    if param in FIELD_PATH:
        return Q(**{f"{FIELD_PATH[param]}__in": values})
    if param == "year":
        q = Q(pk__in=[])
        for value in values:
            if value in YEAR_BANDS:
                q |= _range_q("start_year", *YEAR_BANDS[value]) & Q(start_year__isnull=False)
        return q
    if param == "size_band":
        q = Q(pk__in=[])
        for value in values:
            if value in SIZE_BANDS:
                q |= _range_q("city__population", *SIZE_BANDS[value], null_is_low=True)
        return q
    if param == "award":
        q = Q(pk__in=[])
        if "yes" in values:
            q |= ~Q(awards="")
        if "no" in values:
            q |= Q(awards="")
        return q
    raise KeyError(param)


class DatabaseBackend(SearchBackend):
    name = "database"

    def index(self, ids: Iterable[int]) -> None:
        return None

    def remove(self, ids: Iterable[int]) -> None:
        return None

    def rebuild(self) -> int:
        return searchable().count()

    # -- searching -------------------------------------------------------------------------

    def _text_matches(self, text: str) -> dict[int, float] | None:
        """Practices (published) matching the text, with a rank; None when there is no text.

        Computed once per search and reused by the hits and every facet count."""
        words = WORD.findall(text.lower())[:20]
        if not words:
            return None
        published = searchable().values("pk")
        if connection.vendor == "postgresql":
            query = PgQuery(" ".join(words), search_type="plain", config="simple")
            vector = (
                SearchVector("title", weight="A", config="simple")
                + SearchVector("summary", weight="B", config="simple")
                + SearchVector(*SECTION_NAMES, weight="C", config="simple")
            )
            rows = (
                PracticeTranslation.objects.filter(master_id__in=published)
                .annotate(document=vector)
                .filter(document=query)
                .annotate(rank=SearchRank(vector, query))
                .values_list("master_id", "rank")
            )
            ranks: dict[int, float] = {}
            for pk, rank in rows:
                ranks[pk] = max(rank, ranks.get(pk, 0.0))
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

    def _filtered(self, query: SearchQuery, *, skip: str = "") -> QuerySet[Practice]:
        practices = searchable()
        for param, values in query.filters.items():
            if param != skip and values:
                practices = practices.filter(_facet_q(param, values))
        if query.year_from is not None:
            practices = practices.filter(start_year__gte=query.year_from)
        if query.year_to is not None:
            practices = practices.filter(start_year__lte=query.year_to)
        return practices

    def _counts(self, query: SearchQuery, text_ids: list[int] | None) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            base = self._filtered(query, skip=facet.param)
            if text_ids is not None:
                base = base.filter(pk__in=text_ids)
            ids = base.values("pk")
            param = facet.param
            if param in THROUGH:
                model, lookup = THROUGH[param]
                rows = (
                    model.objects.filter(practice_id__in=ids)
                    .values(lookup)
                    .annotate(n=Count("practice_id", distinct=True))
                )
                counts[param] = {str(r[lookup]): r["n"] for r in rows}
            elif param in FIELD_PATH:
                path = FIELD_PATH[param]
                rows = Practice.objects.filter(pk__in=ids).values(path).annotate(n=Count("pk"))
                counts[param] = {str(r[path]): r["n"] for r in rows if r[path]}
            else:
                conditions: dict[str, Q] = {
                    "year": {v: _facet_q("year", (v,)) for v in YEAR_BANDS},
                    "size_band": {v: _facet_q("size_band", (v,)) for v in SIZE_BANDS},
                    "award": {"yes": ~Q(awards=""), "no": Q(awards="")},
                }[param]
                totals = Practice.objects.filter(pk__in=ids).aggregate(
                    **{
                        f"c{i}": Count("pk", filter=cond)
                        for i, cond in enumerate(conditions.values())
                    }
                )
                counts[param] = {
                    value: totals[f"c{i}"] for i, value in enumerate(conditions) if totals[f"c{i}"]
                }
        return counts

    def search(self, query: SearchQuery) -> SearchPage:
        ranks = self._text_matches(query.text)
        practices = self._filtered(query)
        start = (query.page - 1) * query.page_size
        stop = min(start + query.page_size, MAX_RESULTS)
        newest: list[Any] = [F("published_at").desc(nulls_last=True), "-pk"]
        text_ids: list[int] | None = None
        if ranks is None:
            total = practices.count()
            page_ids = practices.order_by(*newest).values_list("pk", flat=True)
            rows = list(page_ids[start:stop]) if start < stop else []
        else:
            text_ids = list(ranks)
            ordered = list(
                practices.filter(pk__in=text_ids).order_by(*newest).values_list("pk", flat=True)
            )
            if query.sort == "relevance":
                # a stable sort: equal ranks keep the newest-first order
                ordered.sort(key=lambda pk: -ranks[pk])
            total = len(ordered)
            rows = ordered[start:stop] if start < stop else []
        counts = self._counts(query, text_ids)
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

    _vocabulary: tuple[float, list[str]] = (0.0, [])

    def _did_you_mean(self, text: str) -> str:
        stamp, words = DatabaseBackend._vocabulary
        if time.monotonic() - stamp > 600 or not words:
            seen: set[str] = set()
            for title in PracticeTranslation.objects.filter(
                master__review_state="published"
            ).values_list("title", flat=True)[:20000]:
                seen.update(w.lower() for w in WORD.findall(title) if len(w) > 2)
            words = sorted(seen)
            DatabaseBackend._vocabulary = (time.monotonic(), words)
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
                master__review_state="published", title__istartswith=prefix
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
            name__istartswith=prefix, practices__review_state="published"
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
                else [str(v) for v in SIZE_BANDS]
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


def raw_filter(param: str, values: tuple[str, ...]) -> Any:
    return _facet_q(param, values)
