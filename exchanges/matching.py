"""Peer matching: which member cities could best help a city with an exchange request.

`rank_peers` scores every other active member city on the components of `WEIGHTS` and
explains each score with reasons (sentence keys and their figures, exchanges.explanations,
rendered in the reader's language when read); `matches_refresh` stores the top of that
ranking, reasons included, as suggested `Match` rows for a broker to work from.

A request started from a practice (`ExchangeRequest.source_practice`) keeps that practice
among its city's, and that city ranks first unless it is the requester: the official said
whom they want to learn from. When the embedder is unavailable, relevance is by words alone
and every explanation says so.

Meaning is read per city, not per practice: the search backend groups the practices that
answer the need by city (`search.selectors.practice_nearest_by_city`: two knn requests with
terms aggregations on Elasticsearch, the NumPy cache on the database, which also answers when
the engine is down) and returns each city's count of answers, how many are readable in the
need's language, and its closest few (which the explanations name). A practice answers by
meaning when it is at least SEMANTIC_FLOOR close and within ANSWER_BAND of the closest
practice written in its language. Figures and the decision: docs/search.md, "Peer matching
by meaning".

Cost: the search engine is asked three times, once by words and twice by meaning (the
closest practice per language, then the count per city; once more when the need text finds
nothing by words and is retried with fewer words), and the database a bounded
number of times whatever the number of cities: every per-city figure comes from grouped
queries (`values()` + `annotate()`) over all the cities at once, or over a shortlist of them
(see `rank_peers`), never one query per city.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Prefetch, Sum

from cities.models import City, CityIndicator, Country, size_band_for
from core.embedding import EmbedderUnavailable, get_embedder
from practices.models import Challenge, Practice, PracticeTranslation, Topic
from search.backends.base import SearchPage, SearchQuery
from search.selectors import practice_nearest_by_city, practice_search_page

from .explanations import Reason, reason, reasons_render
from .models import Exchange, ExchangeRequest, Match

WEIGHTS: dict[str, float] = {
    "relevance": 0.60,
    "challenges": 0.10,
    "topics": 0.10,
    "context": 0.10,
    "track_record": 0.05,
    "openness": 0.05,
}
"""How much each component (each worth 0 to 1) counts in a candidate's score; they sum to 1.

- relevance 0.60: how many of the city's published practices on the request's challenges
  answer the need, by words or by meaning, in any language (see `_answers`): per city, its
  answering practices in any language plus those of them readable in the need's language
  (counted twice: an official can read them and they are what the words find), each count
  the larger of what meaning counted (`_meaning`) and what the words found (the search
  engine's count of matches for the need text), against the city with the most (90%); then
  how close its best answer is (10%). A city the need names, or whose practice the request
  was started from, gets full marks. Counting, not a city's best few: with the generated
  corpus of benchmarks/matching.py every practice of one idea is equally close to its need,
  so scoring a city by its best three made every city with three of them equal, and which
  cities have the most answers is what the broker needs to know. It is the
  only component that reads what the cities actually did, and a peer is worth visiting for
  practices that answer the need, not for being alike, so it weighs more than all the others
  together: with 100,000 practices (benchmarks/matching.py) a
  weight of 0.45 let likeness push the cities with the most answering practices out of the
  first five in 3 requests out of 10 (recall@5 0.71); at 0.60 it is 0.94.
- challenges 0.10: share of the request's challenges the city has published practices on:
  the request's own, controlled statement of its subject, but coarse (five values).
- topics 0.10: share of the request's topics the city has published practices on: finer than
  challenges, but optional on a request (none gives every city 0, which changes no order).
- context 0.10: how alike the two cities are, the average of: same population band, same UN
  region, a shared working language and, for each indicator both publish, how close the
  values are. Transfer is easier between comparable cities and an exchange needs a common
  language; it mostly orders cities whose practices answer the need equally well.
- track_record 0.05: completed or evaluated exchanges as the peer city, and how many cities
  adapted its practices: evidence that the city delivers exchanges and that its practices
  travel; low so that new members with good practices are not buried.
- openness 0.05: the city says it is open to exchanges. A tie-breaker: brokers may still ask a
  city that did not say so, and the flag is often left at its default.
"""

MAX_PRACTICES = 5
# Within relevance, how much more an answering practice counts when it has a text in the need's
# language (1: twice as much). benchmarks/matching.py scores a ranking against two truths, the
# cities with the most answers readable in the need's language ("recall@5") and those with the
# most in any language ("any language"). Ranking by the true counts themselves (the ceiling of
# any retrieval; docs/search.md, "Peer matching by meaning"), recall@5 / any language with
# 0, 1, 1.5 and 2: at 10,000 practices 0.62 / 1.0, 0.96 / 0.93, 0.99 / 0.91, 1.0 / 0.91; at
# 100,000 0.35 / 1.0, 0.76 / 0.75, 0.84 / 0.67, 0.90 / 0.60. Past a few answers per city the
# two truths name different cities and no weight meets both targets; 1 is the one that stays
# closest to both at both sizes.
READABLE_EXTRA = 1
# The first hits give each city its best score; how many practices of a city match comes
# from the city facet, which counts every match, so a short page is enough (and cheaper:
# Elasticsearch highlights every hit it returns).
SEARCH_PAGE_SIZE = 30
# Within relevance: the number of matching practices, then the quality of the best one.
RELEVANCE_COUNT_SHARE = 0.9
# Track record saturates: the n-th completed exchange or adaptation adds less than the first.
EXCHANGES_HALF = 2
ADAPTED_HALF = 3
DONE_STATES = (Exchange.State.COMPLETED, Exchange.State.EVALUATED)

# Words that carry no meaning for matching. The Elasticsearch analyzers drop them anyway; the
# database backend requires every word of the query, so they are left out of the query.
_STOP_WORDS_TEXT = """
a about an and are as at be by can do for from has have how i in into is it its of on or our
so than that the their them these they this to too us was we were what when where which who
why will with would want need needs looking make more
à au aux avec ce ces cette dans de des du elle en est et il ils la le les leur leurs mais
nos notre nous ou où par pas pour qu que qui sa se ses son sont sur un une vos votre vous
cherchons voulons veut faire plus
al como con de del el en es esta este las lo los mas más nos nuestra nuestro o para pero
por que qué se sin su sus un una uno y queremos buscamos hacer
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 12


@dataclass
class Candidate:
    city: City
    score: float
    components: dict[str, float]
    # Why, as data (exchanges.explanations): relevance first, then WEIGHTS order.
    reasons: list[Reason]
    practices: list[Practice] = field(default_factory=list)
    # How many of the reasons are about relevance (they come first).
    relevance_reasons: int = 0

    @property
    def explanation(self) -> list[str]:
        """The reasons as sentences, in the language active when this is read."""
        return reasons_render([self.reasons])[0]


def need_keywords(text: str) -> list[str]:
    """The words of the need that can match a practice, in order, without repeats."""
    words = [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


@dataclass
class _Relevance:
    counts: dict[int, int]
    best: dict[int, float]
    hits: dict[int, list[int]]
    max_count: int


def _search(request: ExchangeRequest, challenges: list[str]) -> SearchPage | None:
    words = need_keywords(request.need)
    if not words:
        return None
    language = _need_language(request)
    filters = {"challenge": tuple(challenges)} if challenges else {}

    def run(text: str) -> SearchPage:
        # Words only: meaning is scored separately (from the stored vectors, below), so that
        # each explanation can say which practices matched by words and which by meaning.
        query = SearchQuery(
            text=text,
            filters=filters,
            page_size=SEARCH_PAGE_SIZE,
            language=language,
            mode="lexical",
        )
        return practice_search_page(query=query, user=AnonymousUser())

    page = run(" ".join(words))
    if page.total == 0 and len(words) > 3:
        # The database backend needs every word; a long need rarely has them all in one
        # practice, so it is asked once more with its three longest (most specific) words.
        page = run(" ".join(sorted(words, key=lambda w: (-len(w), w))[:3]))
    return page


def _relevance(page: SearchPage | None, slugs: dict[str, int]) -> _Relevance:
    """Matching practices per city: counted over every match by the city facet (it keeps the
    challenge filter, which is another facet's), and the best score among the first hits."""
    out = _Relevance(counts={}, best={}, hits=defaultdict(list), max_count=0)
    if page is None or not page.hits:
        return out
    owners = dict(
        Practice.objects.filter(pk__in=[h.id for h in page.hits]).values_list("pk", "city_id")
    )
    top = max((h.score or 0.0) for h in page.hits) or 1.0
    lowest = min((h.score or 0.0) for h in page.hits) / top
    for hit in page.hits:
        city_id = owners.get(hit.id)
        if city_id is None:
            continue
        out.hits[city_id].append(hit.id)
        out.counts[city_id] = out.counts.get(city_id, 0) + 1
        out.best[city_id] = max(out.best.get(city_id, 0.0), (hit.score or 0.0) / top)
    # The facet lists the cities with the most matches; its counts cover all the matches, not
    # only the first page. A city there with no hit on the page scores at most the page's last.
    for value in page.facets.get("city", []):
        city_id = slugs.get(value.value)
        if city_id is None or not value.count:
            continue
        out.counts[city_id] = max(out.counts.get(city_id, 0), value.count)
        out.best.setdefault(city_id, lowest)
    out.max_count = max(out.counts.values(), default=0)
    return out


# By meaning: a practice whose best language version is less similar than this to the need
# does not answer it. Measured with the multilingual encoder on the needs and practices of
# tests/exchanges/test_matching_meaning.py: practices on other subjects sit at -0.05 to 0.15,
# practices on the need's subject at 0.3 to 0.55 in any language (a long need with several
# asks scores its answers lower than a short one).
SEMANTIC_FLOOR = 0.25
# A practice answers the need by meaning when it is at least SEMANTIC_FLOOR close and within
# ANSWER_BAND of the closest practice found: the encoder scores answers to one need in a band
# below the best one, and practices on neighbouring subjects under it. With the floor alone,
# counting lets those neighbours in by the hundred: on the generated corpus of
# benchmarks/matching.py (10,000 practices, 24 needs in three languages, each practice's best
# language version) practices of the need's idea lie at 0.31-0.83 and those of the other ideas
# reach 0.42, 200 to 1,200 of them above 0.25; within 0.25 of the closest, 0 to 1 of them are
# left and 60 to 100% of the idea's practices are counted (the rest are versions in another
# language that the encoder places further away); within 0.30, two needs in 24 let over a
# hundred in. On the hand-written practices of tests/exchanges/test_matching_meaning.py the
# closest answer is about 0.5, so the band reaches down to the floor and changes nothing.
ANSWER_BAND = 0.25
# How many cities the grouped retrieval by meaning returns, those with the most answering
# practices: the first places of a ranking go to cities with many answers, and a city further
# down by meaning still gets relevance by words (the search counts every match). The engine
# fetches each one's closest practices, which is most of the request's cost: on 100,000
# practices 200 cities took about 180 ms, 50 about 90 ms.
MEANING_CITIES = 50


@dataclass
class _Meaning:
    """Relevance by meaning, by city; `available` is False when the embedder failed."""

    available: bool = True
    # city id -> how many of its published practices answer the need by meaning (in any
    # language), and how many of those have a text in the need's language
    counts: dict[int, int] = field(default_factory=dict)
    in_language: dict[int, int] = field(default_factory=dict)
    # city id -> its practices that answer the need by meaning, most similar first (a few)
    practices: dict[int, list[int]] = field(default_factory=dict)
    similarity: dict[int, float] = field(default_factory=dict)
    named: set[int] = field(default_factory=set)
    source: Practice | None = None


def _folded(text: str) -> str:
    """Lower case without accents or punctuation, padded: "İzmir's" -> " izmir s "."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " " + " ".join(WORD.findall(bare)) + " "


def _named_cities(need: str, cities: list[City]) -> set[int]:
    """The cities whose name the need contains as whole words (accents and case aside)."""
    text = _folded(need)
    out = set()
    for city in cities:
        name = _folded(city.name)
        if len(name.strip()) >= 3 and name in text:
            out.add(city.pk)
    return out


def _meaning(request: ExchangeRequest, challenges: list[Challenge], cities: list[City]) -> _Meaning:
    """Count, for each candidate city, its published practices that answer the need by
    meaning. The need (with the request's challenge names) is embedded once and the search
    backend groups by city the published practices at least SEMANTIC_FLOOR close to it and
    within ANSWER_BAND of the closest in their language, on the request's challenges (all of
    them when it has none): two knn requests with terms aggregations on Elasticsearch, the
    NumPy cache of the database backend (which also answers when the engine is down). No
    ranking reads the vectors of every practice, and none asks the database which city owns a
    neighbour."""
    out = _Meaning(named=_named_cities(request.need, cities))
    if request.source_practice_id:
        out.source = (
            Practice.objects.filter(
                pk=request.source_practice_id, review_state=Practice.ReviewState.PUBLISHED
            )
            .only("pk", "city_id")
            .first()
        )
    text = " ".join([request.need, *(c.name_en for c in challenges)])
    try:
        need = get_embedder().embed([text])[0]
    except EmbedderUnavailable:
        out.available = False
        return out
    vector = [float(x) for x in need]
    filters = {"challenge": tuple(c.slug for c in challenges)} if challenges else {}
    groups, _degraded = practice_nearest_by_city(
        vector=vector,
        filters=filters,
        min_similarity=SEMANTIC_FLOOR,
        band=ANSWER_BAND,
        language=_need_language(request),
        # One more: the requester may hold a place, and is dropped here with the cities
        # that are not active members.
        cities=MEANING_CITIES + 1,
        per_city=MAX_PRACTICES,
    )
    slugs = {c.slug: c.pk for c in cities}
    for group in groups:
        city_id = slugs.get(group.city)
        if city_id is None:
            continue
        out.counts[city_id] = group.count
        out.in_language[city_id] = group.in_language
        out.practices[city_id] = [n.id for n in group.closest]
        for neighbour in group.closest:
            out.similarity[neighbour.id] = neighbour.similarity
    return out


@dataclass
class _Answers:
    """Relevance by what a city published, words and meaning together (see WEIGHTS)."""

    score: dict[int, float] = field(default_factory=dict)


def _answers(relevance: _Relevance, meaning: _Meaning) -> _Answers:
    """Per city: its answering practices in any language plus those readable in the need's
    language, each the larger of what meaning counted and what the words found (practices
    found by words have the need's words, so they are readable in its language), against the
    city with the most (RELEVANCE_COUNT_SHARE); then how close its best answer is, by words or
    by meaning, against the best of all."""
    out = _Answers()
    top_similarity = max(meaning.similarity.values(), default=0.0)
    counts: dict[int, int] = {}
    best: dict[int, float] = {}
    for city_id in set(relevance.counts) | set(meaning.counts):
        words = relevance.counts.get(city_id, 0)
        counts[city_id] = max(meaning.counts.get(city_id, 0), words) + READABLE_EXTRA * max(
            meaning.in_language.get(city_id, 0), words
        )
        by_words = min(1.0, relevance.best.get(city_id, 0.0))
        by_meaning = 0.0
        similarities = [meaning.similarity[pk] for pk in meaning.practices.get(city_id, [])]
        if similarities and top_similarity > SEMANTIC_FLOOR:
            by_meaning = (max(similarities) - SEMANTIC_FLOOR) / (top_similarity - SEMANTIC_FLOOR)
        best[city_id] = max(by_words, by_meaning)
    most = max(counts.values(), default=0)
    if most:
        out.score = {
            city_id: RELEVANCE_COUNT_SHARE * count / most
            + (1 - RELEVANCE_COUNT_SHARE) * best[city_id]
            for city_id, count in counts.items()
        }
    return out


def _need_language(request: ExchangeRequest) -> str:
    return (request.languages or ["en"])[0]


def _coverage(
    through: Any, column: str, wanted: list[int], city_ids: list[int]
) -> dict[int, set[int]]:
    """city id -> which of the wanted taxonomy ids its published practices carry (one query)."""
    if not wanted:
        return {}
    rows = (
        through.objects.filter(
            **{f"{column}__in": wanted},
            practice__review_state=Practice.ReviewState.PUBLISHED,
            practice__city_id__in=city_ids,
        )
        .values_list("practice__city_id", column)
        .distinct()
    )
    out: dict[int, set[int]] = defaultdict(set)
    for city_id, value in rows:
        out[city_id].add(value)
    return out


def _indicators(city_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """The latest value of each indicator of these cities (one query)."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = CityIndicator.objects.filter(city_id__in=city_ids).order_by("city_id", "name", "-year")
    for city_id, name, value in rows.values_list("city_id", "name", "value"):
        out[city_id].setdefault(name, value)
    return out


def _closeness(a: Decimal, b: Decimal) -> float:
    high = max(abs(a), abs(b))
    return 1.0 if high == 0 else max(0.0, 1.0 - float(abs(a - b) / high))


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass
class _Facts:
    """What rank_peers knows about the request, shared by every candidate."""

    requester: City
    challenges: list[Challenge]
    topics: list[Topic]
    languages: list[str]
    relevance: _Relevance
    meaning: _Meaning
    answers: _Answers
    indicators: dict[int, dict[str, Decimal]]


def _context_components(
    city: City, facts: _Facts
) -> tuple[dict[str, float], dict[str, list[Reason]]]:
    """Relevance, context and openness: read from what is already loaded, no query."""
    components: dict[str, float] = {}
    reasons: dict[str, list[Reason]] = defaultdict(list)
    relevance = facts.relevance
    count = relevance.counts.get(city.pk, 0)
    if count and relevance.max_count:
        best = relevance.best.get(city.pk, 0.0)
        reasons["relevance"].append(reason("words", count=count, best=round(best, 4)))
    meaning = facts.meaning
    source = meaning.source
    chosen = source is not None and source.city_id == city.pk
    full = chosen or city.pk in meaning.named
    components["relevance"] = max(facts.answers.score.get(city.pk, 0.0), float(full))
    if source is not None and source.city_id == city.pk:
        reasons["relevance"].append(reason("source_practice"))
    if city.pk in meaning.named:
        reasons["relevance"].append(reason("names_city", city=city.name))

    requester = facts.requester
    parts: list[float] = []
    said = reasons["context"]
    own_region = requester.country.region
    region = city.country.region
    same_region = own_region is not None and region is not None and region.pk == own_region.pk
    parts.append(1.0 if same_region else 0.0)
    if same_region and region is not None:
        said.append(reason("same_region", region=region.code))
    own_band = size_band_for(requester.population)
    same_band = size_band_for(city.population) == own_band
    parts.append(1.0 if same_band else 0.0)
    if same_band:
        said.append(reason("same_band", band=own_band, city=requester.name))
    common = [code for code in facts.languages if code in (city.languages or [])]
    parts.append(1.0 if common else 0.0)
    if common:
        said.append(reason("languages", languages=common))
    mine = facts.indicators.get(requester.pk, {})
    theirs = facts.indicators.get(city.pk, {})
    for name in sorted(set(mine) & set(theirs)):
        closeness = _closeness(mine[name], theirs[name])
        parts.append(closeness)
        said.append(
            reason(
                "indicator",
                name=name,
                theirs=_fmt(theirs[name]),
                mine=_fmt(mine[name]),
                closeness=round(closeness, 4),
            )
        )
    components["context"] = sum(parts) / len(parts)

    components["openness"] = 1.0 if city.open_to_exchanges else 0.0
    if city.open_to_exchanges:
        reasons["openness"].append(reason("open"))
    return components, reasons


def _record_components(
    cities: list[City], facts: _Facts
) -> dict[int, tuple[dict[str, float], dict[str, list[Reason]]]]:
    """Challenges, topics and track record of these cities: four grouped queries."""
    ids = [c.pk for c in cities]
    challenge_cover = _coverage(
        Practice.challenges.through, "challenge_id", [c.pk for c in facts.challenges], ids
    )
    topic_cover = _coverage(Practice.topics.through, "topic_id", [t.pk for t in facts.topics], ids)
    exchanges = dict(
        Exchange.objects.filter(state__in=DONE_STATES, match__peer_city_id__in=ids)
        .values("match__peer_city_id")
        .annotate(n=Count("pk"))
        .values_list("match__peer_city_id", "n")
    )
    adapted = dict(
        Practice.objects.filter(
            city_id__in=ids, review_state=Practice.ReviewState.PUBLISHED, adapted_count__gt=0
        )
        .values("city_id")
        .annotate(n=Sum("adapted_count"))
        .values_list("city_id", "n")
    )
    out = {}
    for city in cities:
        components: dict[str, float] = {}
        reasons: dict[str, list[Reason]] = defaultdict(list)
        for key, wanted, cover in (
            ("challenges", facts.challenges, challenge_cover),
            ("topics", facts.topics, topic_cover),
        ):
            shared = [item for item in wanted if item.pk in cover.get(city.pk, set())]
            components[key] = len(shared) / len(wanted) if wanted else 0.0
            if shared:
                slugs = [item.slug for item in shared]
                reasons[key].append(reason(key, **{key: slugs}, wanted=len(wanted)))
        done = int(exchanges.get(city.pk, 0))
        adaptations = int(adapted.get(city.pk) or 0)
        components["track_record"] = 0.5 * done / (done + EXCHANGES_HALF) + 0.5 * adaptations / (
            adaptations + ADAPTED_HALF
        )
        if done or adaptations:
            reasons["track_record"].append(
                reason("track_record", exchanges=done, adapted=adaptations)
            )
        out[city.pk] = (components, reasons)
    return out


# The components read from the taxonomy and exchange tables; they are computed only for the
# cities that could still reach the top with full marks on them (see rank_peers).
RECORD_COMPONENTS = ("challenges", "topics", "track_record")
SHORTLIST_MIN = 50


def rank_peers(*, request: ExchangeRequest, limit: int = 10) -> list[Candidate]:
    """The best peer cities for a request, best first (ties by city name): active member
    cities other than the requesting one, each with its score, components and reasons.

    Relevance, context and openness are computed for every city from one search and a few
    queries. The record components (challenges, topics, track record: queries over every
    practice) are computed for a shortlist, then for any other city whose score could still
    reach the last place of the top with full marks on them; so the result is the same as if
    they were computed for every city, and with many cities much fewer rows are read."""
    requester = City.objects.select_related("country__subregion__parent").get(pk=request.city_id)
    # Only the fields the reasons need (GeoNames' alternate names run to hundreds per big
    # city); the few countries are loaded once and shared rather than joined to every city.
    cities = list(
        City.objects.filter(member_status=City.MemberStatus.ACTIVE)
        .exclude(pk=requester.pk)
        .only("name", "slug", "population", "languages", "open_to_exchanges", "country_id")
        .order_by("name", "pk")
    )
    if not cities or limit <= 0:
        return []
    countries = Country.objects.select_related("subregion__parent").in_bulk(
        {c.country_id for c in cities}
    )
    for city in cities:
        city.country = countries[city.country_id]
    challenges = list(Challenge.objects.filter(exchange_requests=request).order_by("order", "slug"))
    relevance = _relevance(
        _search(request, [c.slug for c in challenges]), {c.slug: c.pk for c in cities}
    )
    meaning = _meaning(request, challenges, cities)
    facts = _Facts(
        requester=requester,
        challenges=challenges,
        topics=list(Topic.objects.filter(exchange_requests=request).order_by("slug")),
        languages=list(request.languages or requester.languages or []),
        relevance=relevance,
        meaning=meaning,
        answers=_answers(relevance, meaning),
        indicators=_indicators([requester.pk, *(c.pk for c in cities)]),
    )
    partial = {city.pk: _context_components(city, facts) for city in cities}
    known = {
        pk: sum(WEIGHTS[name] * value for name, value in components.items())
        for pk, (components, _said) in partial.items()
    }
    headroom = sum(WEIGHTS[name] for name in RECORD_COMPONENTS)
    # Stable sort over cities in name order: equal scores stay by name.
    pending = sorted(cities, key=lambda c: -known[c.pk])
    by_pk = {c.pk: c for c in cities}
    full: dict[int, Candidate] = {}
    batch = pending[: max(SHORTLIST_MIN, limit * 5)]
    while batch:
        for pk, (components, said) in _record_components(batch, facts).items():
            components = {**partial[pk][0], **components}
            reasons = {**partial[pk][1], **said}
            full[pk] = Candidate(
                city=by_pk[pk],
                score=round(sum(WEIGHTS[k] * v for k, v in components.items()), 6),
                components={k: round(components[k], 4) for k in WEIGHTS},
                reasons=[r for k in WEIGHTS for r in reasons.get(k, [])],
                relevance_reasons=len(reasons.get("relevance", [])),
            )
        scores = sorted((c.score for c in full.values()), reverse=True)
        floor = scores[limit - 1] if len(scores) >= limit else -1.0
        batch = [c for c in pending if c.pk not in full and known[c.pk] + headroom >= floor]
    scored = [full[c.pk] for c in cities if c.pk in full]
    source = facts.meaning.source
    # The city whose practice the request started from comes first, whatever its score.
    scored.sort(key=lambda c: (not (source and source.city_id == c.city.pk), -c.score))
    top = scored[:limit]
    _attach_practices(top, facts, [c.pk for c in challenges])
    return top


def _attach_practices(top: list[Candidate], facts: _Facts, challenges: list[int]) -> None:
    """The practices that earned each candidate: the practice the request was started from,
    then its search hits and its practices that answer the need by meaning (most similar
    first), then its other published practices on the request's challenges (most adapted,
    newest first). Each candidate's explanation then names the practices that matched, and
    how: by words (the search engine found the need's words) or by meaning."""
    relevance, meaning = facts.relevance, facts.meaning
    chosen: dict[int, list[int]] = {}
    for c in top:
        got: list[int] = []
        if meaning.source is not None and meaning.source.city_id == c.city.pk:
            got.append(meaning.source.pk)
        for pk in [*relevance.hits.get(c.city.pk, []), *meaning.practices.get(c.city.pk, [])]:
            if pk not in got:
                got.append(pk)
        chosen[c.city.pk] = got[:MAX_PRACTICES]
    matched = {pk: list(got) for pk, got in chosen.items()}
    short = [pk for pk, got in chosen.items() if len(got) < MAX_PRACTICES]
    if short and challenges:
        more = (
            Practice.objects.filter(
                city_id__in=short,
                review_state=Practice.ReviewState.PUBLISHED,
                challenges__in=challenges,
            )
            .distinct()
            .order_by("city_id", "-adapted_count", "-published_at", "-pk")
            .values_list("city_id", "pk")
        )
        for city_id, pk in more:
            got = chosen[city_id]
            if len(got) < MAX_PRACTICES and pk not in got:
                got.append(pk)
    wanted = [pk for got in chosen.values() for pk in got]
    loaded = {
        p.pk: p
        for p in Practice.objects.filter(pk__in=wanted)
        .select_related("city")
        .prefetch_related(Prefetch("translations", queryset=PracticeTranslation.objects.all()))
    }
    for candidate in top:
        candidate.practices = [loaded[pk] for pk in chosen[candidate.city.pk] if pk in loaded]
        found = _matched_reasons(matched[candidate.city.pk], loaded, facts)
        # After the other relevance reasons, which come first (WEIGHTS order).
        at = candidate.relevance_reasons
        candidate.reasons[at:at] = found
        candidate.relevance_reasons += len(found)


def _matched_reasons(pks: list[int], loaded: dict[int, Practice], facts: _Facts) -> list[Reason]:
    """Which practices matched by words and which by meaning alone (with their similarity),
    and that meaning was not available when the embedder failed."""
    words = set(pk for got in facts.relevance.hits.values() for pk in got)
    by_words = [pk for pk in pks if pk in words and pk in loaded]
    by_meaning = [
        pk for pk in pks if pk not in words and pk in facts.meaning.similarity and pk in loaded
    ]
    out = []
    if by_words:
        out.append(reason("matched_by_words", practices=by_words))
    if by_meaning:
        out.append(
            reason(
                "matched_by_meaning",
                practices=by_meaning,
                similarities=[round(facts.meaning.similarity[pk], 4) for pk in by_meaning],
            )
        )
    if not facts.meaning.available:
        out.append(reason("words_only"))
    return out


def matches_refresh(*, request: ExchangeRequest) -> list[Match]:
    """Store the current ranking as suggested matches. Matches a broker already proposed, or
    that were accepted, declined or withdrawn, are left as they are (and their cities are not
    suggested again); earlier suggestions are replaced."""
    candidates = rank_peers(request=request)
    with transaction.atomic():
        locked = ExchangeRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        existing = {m.peer_city_id: m for m in Match.objects.filter(request=locked)}
        kept = {
            city_id for city_id, match in existing.items() if match.status != Match.Status.SUGGESTED
        }
        fresh = [c for c in candidates if c.city.pk not in kept]
        keep_ids = {c.city.pk for c in fresh}
        Match.objects.filter(request=locked, status=Match.Status.SUGGESTED).exclude(
            peer_city_id__in=keep_ids
        ).delete()
        out: list[Match] = []
        for candidate in fresh:
            explanation = {
                "components": candidate.components,
                "weights": dict(WEIGHTS),
                "reasons": candidate.reasons,
            }
            match = existing.get(candidate.city.pk)
            if match is None:
                match = Match.objects.create(
                    request=locked,
                    peer_city=candidate.city,
                    score=candidate.score,
                    explanation=explanation,
                    status=Match.Status.SUGGESTED,
                )
            else:
                match.score = candidate.score
                match.explanation = explanation
                match.save(update_fields=["score", "explanation"])
            match.practices.set(candidate.practices)
            out.append(match)
    return out
