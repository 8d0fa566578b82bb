"""The Elasticsearch 8 backend, through elasticsearch.dsl.

Index design: one document per published practice (search.documents). Text is analysed per
language: title_en/summary_en/body_en with the english analyzer, *_fr with french, *_es with
spanish, so a query finds a practice through any of its languages; titles weigh more than
summaries, which weigh more than bodies. Every facet is a keyword field. `suggest` is a
completion field over the titles and the city name. Reads and writes go through the alias
`<prefix>-practices`; `rebuild` fills a fresh index and swaps the alias in one call.

Meaning (issue 13), with server-core features only (no RRF, no linear retriever, no painless):
each document carries one `vector` (dense_vector, cosine), the normalised mean of its language
versions' stored vectors (search.documents says why). A search is one request whose query is
a bool: `should` holds the lexical query, named (`words`) and floored so that every practice
with the words outranks every practice found by meaning alone, and a knn QUERY on the query's
embedding (at most KNN_CANDIDATES neighbours, at least KNN_SIMILARITY close), both under the
same filters. A hit whose matched_queries lacks `words` is `related`. Facets count that very
set (see `search`). When the embedder is unavailable the search runs on words alone and says
so (`semantic_unavailable`). "Similar practices" is a knn on the practice's own vector.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.conf import settings
from django.urls import reverse
from elasticsearch import ApiError, BadRequestError, NotFoundError, TransportError
from elasticsearch.dsl import Search
from elasticsearch.dsl.query import Q
from elasticsearch.helpers import BulkIndexError, streaming_bulk

from core.embedding import EmbedderUnavailable, get_embedder
from core.languages import LANGUAGE_CODES
from practices.models import Practice
from practices.vectors import practice_vectors

from ..client import get_client
from ..documents import documents, mean_vector
from ..facets import FACETS, YEAR_BANDS
from .base import (
    MAX_RESULTS,
    NEAREST_MAX,
    CityNeighbours,
    Hit,
    Neighbour,
    SearchBackend,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
)
from .database import facet_values

log = logging.getLogger(__name__)
ANALYZERS = {"en": "english", "fr": "french", "es": "spanish"}
TEXT_FIELDS = [
    *(f"title_{lang}^3" for lang in LANGUAGE_CODES),
    *(f"summary_{lang}^2" for lang in LANGUAGE_CODES),
    *(f"body_{lang}" for lang in LANGUAGE_CODES),
    "city_name^2",
]
HIGHLIGHT_FIELDS = [
    f"{kind}_{lang}" for kind in ("title", "summary", "body") for lang in LANGUAGE_CODES
]
FACET_FIELD = {f.param: f.field for f in FACETS}
NEWEST: dict[str, Any] = {"published_at": {"order": "desc", "missing": "_last"}}
VECTOR_DIMS = 512
# The knn part of a search: how many nearest practices it may bring (its k and num_candidates,
# per shard; one shard here), and how close they must be (raw cosine: the knn query's
# `similarity` is the vector similarity, not the score). The floor keeps a query's far
# neighbours out: without it every search would "match" KNN_CANDIDATES practices. Measured
# with the multilingual encoder on title+summary vectors: a short French query and the Spanish
# practice it means score 0.35-0.46 ("jardin potager partage" / "Huertos urbanos
# comunitarios"), a query and a practice on another subject 0.30 at most, mostly below 0.2
# (tests/search/test_meaning_elastic.py holds both sides).
KNN_CANDIDATES = 100
KNN_SIMILARITY = 0.32
# Every practice the words found outranks every one found by meaning alone: the knn part
# scores (1 + cosine) / 2, at most 1, and a word hit gets this much on top of its BM25 score.
LEXICAL_FLOOR = 1.0
LEXICAL_NAME = "words"
QUERY_EMBED_CHARS = 1000
MAX_QUERY_WORDS = 32
MAX_QUERY_CHARS = 500
# `nearest` (peer matching) asks the HNSW graph for this many candidates per wanted neighbour:
# a filtered approximate search needs some slack to return its true nearest ones. The node
# refuses more than KNN_MAX_CANDIDATES.
NEAREST_CANDIDATES_FACTOR = 2
KNN_MAX_CANDIDATES = 10_000
# Similar practices: how many nearest neighbours to look at, and the small bonus a shared topic
# or challenge gives (a tie-breaker among equally close practices, not a reason on its own).
SIMILAR_CANDIDATES = 50


# Documents per bulk request (a document with its vector is about 9 KB of JSON).
BULK_CHUNK = 500
# Seconds a bulk request may take. Searches time out after ELASTICSEARCH_TIMEOUT and go to
# another node (search.client), but a bulk of 500 documents with vectors can take longer than
# that on a busy cluster (a rebuild on three 512 MB nodes of a loaded 2-core machine did), and
# sending it again to another node only does the same work twice while the first node is still
# at it. A node that is gone fails at once, whatever this says; bulks run off the request path.
BULK_TIMEOUT = 120.0


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def mappings() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "long"},
        "language": {"type": "keyword"},
        "languages": {"type": "keyword"},
        "challenges": {"type": "keyword"},
        "sdgs": {"type": "keyword"},
        "topics": {"type": "keyword"},
        "region": {"type": "keyword"},
        "subregion": {"type": "keyword"},
        "country": {"type": "keyword"},
        "city": {"type": "keyword"},
        "city_name": {"type": "text", "analyzer": "folded", "fields": {"raw": {"type": "keyword"}}},
        "status": {"type": "keyword"},
        "start_year": {"type": "integer"},
        "year_band": {"type": "keyword"},
        "size_band": {"type": "keyword"},
        "award": {"type": "keyword"},
        "published_at": {"type": "date"},
        "adapted_count": {"type": "integer"},
        "updated_at": {"type": "keyword"},
        "suggest": {"type": "completion", "analyzer": "folded", "search_analyzer": "folded"},
        "spell": {"type": "text", "analyzer": "folded"},
        # One sentence vector per practice (search.documents says which); cosine because the
        # stored vectors are unit length and cross-language closeness is an angle. Plain HNSW,
        # not the int8-quantised default: KNN_SIMILARITY is a fine line that quantisation error
        # would blur, and 512 floats for a few thousand practices is a few megabytes.
        "vector": {
            "type": "dense_vector",
            "dims": VECTOR_DIMS,
            "index": True,
            "similarity": "cosine",
            "index_options": {"type": "hnsw"},
        },
    }
    for lang in LANGUAGE_CODES:
        analyzer = ANALYZERS[lang]
        properties[f"title_{lang}"] = {"type": "text", "analyzer": analyzer, "copy_to": "spell"}
        properties[f"summary_{lang}"] = {"type": "text", "analyzer": analyzer, "copy_to": "spell"}
        properties[f"body_{lang}"] = {"type": "text", "analyzer": analyzer}
    return {"dynamic": "strict", "properties": properties}


def index_settings(*, building: bool = False) -> dict[str, Any]:
    return {
        "number_of_shards": 1,
        "number_of_replicas": 0 if building else settings.ELASTICSEARCH_REPLICAS,
        "refresh_interval": "-1" if building else "1s",
        "max_result_window": MAX_RESULTS,
        "analysis": {
            "analyzer": {
                "folded": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding"],
                }
            }
        },
    }


def _unavailable(exc: Exception) -> SearchUnavailable:
    return SearchUnavailable(f"Elasticsearch did not answer: {exc}")


def _answer(s: Search) -> Any | None:
    """The engine's response, or None when the index does not exist yet (nothing indexed:
    an empty answer for the caller); an engine that does not answer is SearchUnavailable."""
    try:
        return s.execute()
    except NotFoundError:
        return None
    except (TransportError, ApiError) as exc:
        raise _unavailable(exc) from exc


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    @property
    def alias(self) -> str:
        return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-practices"

    @property
    def client(self) -> Any:
        return get_client()

    # -- index management ----------------------------------------------------------------

    # Aliases whose index this process has checked for the vector field.
    _vector_mapped: ClassVar[set[str]] = set()

    def ensure_index(self) -> None:
        """Create an empty index behind the alias if there is none yet."""
        try:
            if self.client.indices.exists_alias(name=self.alias):
                self._ensure_vector_field()
                return
            name = self._new_index_name()
            self.client.indices.create(
                index=name, settings=index_settings(), mappings=mappings(), aliases={self.alias: {}}
            )
        except (TransportError, ApiError) as exc:
            if isinstance(exc, ApiError) and "resource_already_exists" in str(exc):
                return
            raise _unavailable(exc) from exc

    def _ensure_vector_field(self) -> None:
        """Add the vector field to an index built before it existed (adding a field to a
        mapping is allowed; the same field again is a no-op). Without it the strict mapping
        would refuse every document that carries a vector, so the outbox could not drain
        until someone ran search_rebuild. Once per alias and process."""
        if self.alias in self._vector_mapped:
            return
        try:
            self.client.indices.put_mapping(
                index=self.alias, properties={"vector": mappings()["properties"]["vector"]}
            )
        except BadRequestError:
            # A vector field with other options: the index works as it is; a rebuild brings
            # the new options.
            log.warning("the index's vector field differs from mappings()", exc_info=True)
        self._vector_mapped.add(self.alias)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias)
        except NotFoundError:
            return
        except (TransportError, ApiError) as exc:
            raise _unavailable(exc) from exc

    def _bulk(self, actions: Iterable[dict[str, Any]], index: str) -> int:
        """Send the actions in chunks, building the next chunk (database reads, here, in this
        thread) while the node indexes the previous one: on two cores a rebuild takes about
        the time of the slower of the two instead of their sum."""
        done = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk") as sender:
            pending: Future[int] | None = None
            for chunk in _chunks(actions, BULK_CHUNK):
                if pending is not None:
                    done += pending.result()
                pending = sender.submit(self._send, chunk, index)
            if pending is not None:
                done += pending.result()
        return done

    def _send(self, actions: list[dict[str, Any]], index: str) -> int:
        done = 0
        try:
            client = self.client.options(
                request_timeout=max(BULK_TIMEOUT, settings.ELASTICSEARCH_TIMEOUT)
            )
            for ok, item in streaming_bulk(
                client,
                actions,
                index=index,
                chunk_size=BULK_CHUNK,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=2,
            ):
                if not ok:
                    action, result = next(iter(item.items()))
                    if action == "delete" and result.get("status") == 404:
                        continue  # already gone
                    raise BulkIndexError("1 document(s) failed", [item])
                done += 1
        except (TransportError, ApiError, BulkIndexError) as exc:
            raise _unavailable(exc) from exc
        return done

    def _actions(self, ids: Iterable[int] | None) -> Iterable[dict[str, Any]]:
        for pk, doc in documents(ids):
            if doc is None:
                yield {"_op_type": "delete", "_id": pk}
            else:
                yield {"_op_type": "index", "_id": pk, "_source": doc}

    def index(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        self.ensure_index()
        self._bulk(self._actions(ids), self.alias)

    def remove(self, ids: Iterable[int]) -> None:
        self.ensure_index()
        self._bulk(({"_op_type": "delete", "_id": pk} for pk in ids), self.alias)

    def rebuild(self) -> int:
        """Fill a new index with refresh off, then point the alias at it in one call and drop
        the old one. A half-built index is deleted on error; search keeps using the old one."""
        name = self._new_index_name()
        try:
            self.client.indices.create(
                index=name, settings=index_settings(building=True), mappings=mappings()
            )
        except (TransportError, ApiError) as exc:
            raise _unavailable(exc) from exc
        try:
            count = self._bulk(self._actions(None), name)
            self.client.indices.put_settings(
                index=name,
                settings={
                    "refresh_interval": "1s",
                    "number_of_replicas": settings.ELASTICSEARCH_REPLICAS,
                },
            )
            self.client.indices.refresh(index=name)
            try:
                old = list(self.client.indices.get_alias(name=self.alias))
            except NotFoundError:
                old = []
            actions: list[dict[str, Any]] = [
                {"remove": {"index": o, "alias": self.alias}} for o in old
            ]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
        except BaseException:
            self.client.options(ignore_status=404).indices.delete(index=name)
            raise
        for o in old:
            self.client.options(ignore_status=404).indices.delete(index=o)
        return count

    def indexed_versions(self) -> dict[int, str]:
        """id -> updated_at of every document in the index (for search_check)."""
        out: dict[int, str] = {}
        try:
            scan = (
                Search(using=self.client, index=self.alias)
                .source(["updated_at"])
                .params(size=MAX_RESULTS)
            )
            for hit in scan.scan():
                out[int(hit.meta.id)] = hit.updated_at
        except NotFoundError:
            return {}
        except (TransportError, ApiError) as exc:
            raise _unavailable(exc) from exc
        return out

    # -- searching -----------------------------------------------------------------------

    def _filter(self, param: str, values: tuple[str, ...]) -> Any:
        return Q("terms", **{FACET_FIELD[param]: list(values)})

    def _text_query(self, text: str) -> Any:
        """Words may be spread over title, summary and body of one language (cross_fields
        groups the fields that share an analyzer, so each language is matched on its own);
        with up to two words all must match, beyond that three quarters. Exact phrases rank
        higher."""
        if not text.strip():
            return Q("match_all")
        # Each word becomes a clause per field: a pasted page would exceed the node's clause
        # limit (a 400, hence the database fallback), and no search box query needs more.
        text = " ".join(text.split()[:MAX_QUERY_WORDS])[:MAX_QUERY_CHARS]
        return Q(
            "bool",
            must=[
                Q(
                    "multi_match",
                    query=text,
                    fields=TEXT_FIELDS,
                    type="cross_fields",
                    minimum_should_match="2<75%",
                )
            ],
            should=[Q("multi_match", query=text, fields=TEXT_FIELDS, type="phrase", boost=3)],
        )

    def _query_vector(self, query: SearchQuery) -> tuple[list[float] | None, bool]:
        """(the query's sentence vector or None when meaning is not asked for, whether the
        embedder failed). Only the first QUERY_EMBED_CHARS are embedded: a search box holds a
        sentence, and a pasted novel must not hold the request for seconds."""
        if query.mode == "lexical" or not query.text.strip():
            return None, False
        try:
            vector = get_embedder().embed([query.text[:QUERY_EMBED_CHARS]])[0]
        except EmbedderUnavailable:
            log.warning("embedder unavailable: searching by words only", exc_info=True)
            return None, True
        return [float(x) for x in vector], False

    def _matching(self, query: SearchQuery, vector: list[float] | None, filters: list[Any]) -> Any:
        """What a practice must match, `filters` included. With a vector, a practice matches
        by its words (the lexical query, named so each hit says whether it did) or by its
        meaning (the knn query: the KNN_CANDIDATES nearest vectors among the practices these
        filters keep, at least KNN_SIMILARITY close). The knn query takes the same filters so
        that a narrow selection still gets its own nearest practices; exact words win because
        the lexical part is boosted past anything the knn part scores (at most 1)."""
        lexical = self._text_query(query.text)
        if vector is None:
            return Q("bool", must=[lexical], filter=filters)
        knn = Q(
            "knn",
            field="vector",
            query_vector=vector,
            # k, not only num_candidates: left out, it is the request's size, so a page of one
            # hit would match (and count) fewer practices than a page of 50.
            k=KNN_CANDIDATES,
            num_candidates=KNN_CANDIDATES,
            similarity=KNN_SIMILARITY if query.similarity_floor is None else query.similarity_floor,
            filter=filters,
        )
        if query.mode == "semantic":
            return Q("bool", must=[knn], filter=filters)
        return Q(
            "bool",
            should=[
                Q(
                    "bool",
                    must=[lexical],
                    # Every word hit scores at least LEXICAL_FLOOR above any meaning-only hit.
                    should=[Q("constant_score", filter=lexical, boost=LEXICAL_FLOOR)],
                    _name=LEXICAL_NAME,
                ),
                knn,
            ],
            minimum_should_match=1,
            filter=filters,
        )

    def _base_filters(self, query: SearchQuery) -> list[Any]:
        base: list[Any] = []
        if query.year_from is not None:
            base.append(Q("range", start_year={"gte": query.year_from}))
        if query.year_to is not None:
            base.append(Q("range", start_year={"lte": query.year_to}))
        return base

    def _sort(self, query: SearchQuery) -> list[Any]:
        if query.sort == "newest" or (query.sort == "relevance" and not query.text.strip()):
            return [NEWEST, {"id": {"order": "desc"}}]
        if query.sort == "adapted":
            return [{"adapted_count": {"order": "desc"}}, NEWEST, {"id": {"order": "desc"}}]
        return ["_score", NEWEST, {"id": {"order": "desc"}}]

    def ids(self, query: SearchQuery, *, limit: int) -> list[int]:
        """Pages through with search_after (not from/size, which max_result_window caps)."""
        self.ensure_index()
        vector, _failed = self._query_vector(query)
        filters = self._base_filters(query)
        filters += [self._filter(p, v) for p, v in query.filters.items() if v]
        s = (
            Search(using=self.client, index=self.alias)
            .query(self._matching(query, vector, filters))
            .sort(*self._sort(query))
            .source(False)
            .extra(track_total_hits=False)
        )
        out: list[int] = []
        after: list[Any] | None = None
        while len(out) < limit:
            batch = s.extra(size=min(1000, limit - len(out)))
            if after is not None:
                batch = batch.extra(search_after=after)
            try:
                response: Any = batch.execute()
            except (TransportError, ApiError) as exc:
                raise _unavailable(exc) from exc
            hits = list(response.hits)
            if not hits:
                break
            out.extend(int(hit.meta.id) for hit in hits)
            after = list(hits[-1].meta.sort)
        return out

    def search(self, query: SearchQuery) -> SearchPage:
        """One request: hits, total and facet counts all describe one set of practices.

        The facet filters are part of the query (not a post_filter), because the knn part's
        nearest practices depend on them. A facet with nothing selected counts within that
        set; a facet with a selection must count as if its own selection were lifted, so it
        gets a `global` aggregation over the same query built with every other filter: its
        counts are exactly the totals a click on one of its values would show."""
        self.ensure_index()
        vector, semantic_unavailable = self._query_vector(query)
        base = self._base_filters(query)
        facet_filters = {p: self._filter(p, v) for p, v in query.filters.items() if v}
        s = Search(using=self.client, index=self.alias).query(
            self._matching(query, vector, [*base, *facet_filters.values()])
        )
        for facet in FACETS:
            if facet.param in facet_filters:
                others = [f for p, f in facet_filters.items() if p != facet.param]
                agg = s.aggs.bucket(f"f_{facet.param}", "global").bucket(
                    "within", "filter", filter=self._matching(query, vector, [*base, *others])
                )
            else:
                agg = s.aggs.bucket(f"f_{facet.param}", "filter", filter=Q("match_all"))
            agg.bucket("values", "terms", field=facet.field, size=max(facet.size, 200))
        if vector is not None and query.mode != "semantic":
            # How many practices the words alone found: "did you mean" is for queries whose
            # words found little, however many practices their meaning brought.
            s.aggs.bucket("words", "filter", filter=self._text_query(query.text))
        if query.sort == "newest" or (query.sort == "relevance" and not query.text.strip()):
            s = s.sort(NEWEST, {"id": {"order": "desc"}})
        elif query.sort == "adapted":
            s = s.sort({"adapted_count": {"order": "desc"}}, NEWEST)
        if query.text.strip() and query.mode != "semantic":
            s = s.highlight(
                *HIGHLIGHT_FIELDS,
                fragment_size=160,
                number_of_fragments=1,
                pre_tags=["<mark>"],
                post_tags=["</mark>"],
                encoder="html",
                # Only what the words matched is marked, not what the knn part found.
                highlight_query=self._text_query(query.text).to_dict(),
            )
            s = s.suggest(
                "spell", query.text[:200], term={"field": "spell", "suggest_mode": "popular"}
            )
        start = (query.page - 1) * query.page_size
        s = s.extra(
            from_=start,
            size=max(0, min(query.page_size, MAX_RESULTS - start)),
            track_total_hits=True,
        )
        s = s.source(False)
        try:
            response: Any = s.execute()
        except (TransportError, ApiError) as exc:
            raise _unavailable(exc) from exc
        hits = []
        for hit in response.hits:
            matched = list(getattr(hit.meta, "matched_queries", None) or [])
            related = vector is not None and (
                query.mode == "semantic" or LEXICAL_NAME not in matched
            )
            highlights: dict[str, list[str]] = {}
            found: Any = getattr(hit.meta, "highlight", None)
            for field, fragments in (found.to_dict() if found and not related else {}).items():
                kind, lang = field.rsplit("_", 1)
                if lang == query.language or kind not in highlights:
                    highlights[kind] = list(fragments)
            hits.append(
                Hit(
                    id=int(hit.meta.id),
                    score=hit.meta.score,
                    highlights=highlights,
                    related=related,
                )
            )
        counts = {}
        for facet in FACETS:
            agg = getattr(response.aggregations, f"f_{facet.param}")
            if facet.param in facet_filters:
                agg = agg.within
            counts[facet.param] = {str(b.key): b.doc_count for b in agg.values.buckets}
        counts["year"] = {k: v for k, v in counts["year"].items() if k in YEAR_BANDS}
        suggestion = ""
        words = response.hits.total.value
        if "words" in response.aggregations:
            words = response.aggregations.words.doc_count
        if query.text.strip() and words < 3 and "suggest" in response:
            suggestion = self._correction(query.text, response.suggest.spell)
        return SearchPage(
            query=query,
            total=response.hits.total.value,
            hits=hits,
            facets=facet_values(query, counts),
            suggestion=suggestion,
            backend=self.name,
            took_ms=float(response.took),
            semantic_unavailable=semantic_unavailable,
        )

    @staticmethod
    def _correction(text: str, entries: Any) -> str:
        out, changed = [], False
        for entry in entries:
            if entry.options:
                out.append(entry.options[0].text)
                changed = True
            else:
                out.append(entry.text)
        return " ".join(out) if changed else ""

    def nearest(
        self,
        vector: Sequence[float],
        *,
        filters: dict[str, tuple[str, ...]],
        limit: int,
        min_similarity: float,
    ) -> list[Neighbour]:
        """A knn query on the document vector under the facet filters, with the same
        `similarity` floor as `search` uses (raw cosine). The engine scores a cosine match
        (1 + cosine) / 2; the similarity returned is the cosine again. At most MAX_RESULTS
        (the index's result window)."""
        size = min(limit, MAX_RESULTS)
        if size <= 0:
            return []
        self.ensure_index()
        knn = Q(
            "knn",
            field="vector",
            query_vector=[float(x) for x in vector],
            num_candidates=min(
                KNN_MAX_CANDIDATES, max(KNN_CANDIDATES, size * NEAREST_CANDIDATES_FACTOR)
            ),
            similarity=min_similarity,
            filter=[self._filter(p, v) for p, v in filters.items() if v],
        )
        s = (
            Search(using=self.client, index=self.alias)
            .query(knn)
            .sort("_score", {"id": {"order": "asc"}})
            .source(False)
            .extra(size=size, track_total_hits=False)
        )
        response = _answer(s)
        if response is None:
            return []
        return [
            Neighbour(id=int(hit.meta.id), similarity=round(2 * hit.meta.score - 1, 6))
            for hit in response.hits
        ]

    def _knn_all(
        self,
        vector: Sequence[float],
        *,
        filters: list[Any],
        min_similarity: float,
        k: int = NEAREST_MAX,
    ) -> Any:
        """A knn query matching up to `k` practices, for aggregations to count. Its `k` is
        set: left to its default (the request's size, 0 when only aggregations are read) it
        would match nothing. The cost grows with `k` (about 0.4 s for three knn of 10,000 on
        100,000 practices, 2 cores, against 0.25 s for three of 3,333)."""
        return Q(
            "knn",
            field="vector",
            query_vector=[float(x) for x in vector],
            k=k,
            num_candidates=max(k, min(KNN_CANDIDATES, KNN_MAX_CANDIDATES)),
            similarity=min_similarity,
            filter=filters,
        )

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
        """A knn query for the NEAREST_MAX nearest practices at least `min_similarity` close
        under the facet filters, no hits, and a terms aggregation on `city` (most practices
        first) with, per city, a filter on `languages` and the top hits by score. With a band,
        a first request finds the closest practice of each original language (a terms
        aggregation on `language` with its top hit), and the counting query is a bool of one
        knn per language, each with that language's floor (the languages are exclusive, so a
        practice's score stays its one knn score)."""
        if cities <= 0:
            return []
        self.ensure_index()
        facet_filters = [self._filter(p, v) for p, v in filters.items() if v]
        if band is None:
            query = self._knn_all(vector, filters=facet_filters, min_similarity=min_similarity)
        else:
            tops = self._closest_by_language(
                vector, filters=facet_filters, min_similarity=min_similarity
            )
            if not tops:
                return []
            query = Q(
                "bool",
                should=[
                    self._knn_all(
                        vector,
                        filters=[*facet_filters, Q("term", language=code)],
                        min_similarity=max(min_similarity, top - band),
                        k=NEAREST_MAX // len(LANGUAGE_CODES),
                    )
                    for code, top in sorted(tops.items())
                ],
                minimum_should_match=1,
            )
        s = (
            Search(using=self.client, index=self.alias)
            .query(query)
            .extra(size=0, track_total_hits=False)
        )
        by_city = s.aggs.bucket(
            "cities",
            "terms",
            field="city",
            size=cities,
            order=[{"_count": "desc"}, {"_key": "asc"}],
        )
        by_city.bucket("in_language", "filter", filter=Q("term", languages=language))
        if per_city > 0:
            by_city.metric(
                "closest",
                "top_hits",
                # Its default order, by score: an explicit sort (even on _score, then id) took
                # the node from 30 ms to 25 s on 10,000 practices.
                size=per_city,
                _source=False,
            )
        response = _answer(s)
        if response is None:
            return []
        out = []
        for bucket in response.aggregations.cities.buckets:
            hits = bucket.closest.hits.hits if per_city > 0 else []
            out.append(
                CityNeighbours(
                    city=str(bucket.key),
                    count=int(bucket.doc_count),
                    in_language=int(bucket.in_language.doc_count),
                    closest=tuple(
                        sorted(
                            (
                                Neighbour(
                                    id=int(hit["_id"]), similarity=round(2 * hit["_score"] - 1, 6)
                                )
                                for hit in hits
                            ),
                            key=lambda n: (-n.similarity, n.id),
                        )
                    ),
                )
            )
        out.sort(key=lambda c: (-c.count, -(c.closest[0].similarity if c.closest else -2), c.city))
        return out

    def _closest_by_language(
        self, vector: Sequence[float], *, filters: list[Any], min_similarity: float
    ) -> dict[str, float]:
        """Original language -> the similarity of its closest practice (those at least
        `min_similarity` close under the filters): one knn of k=1 per language, a few ms where
        one knn of NEAREST_MAX with a terms aggregation took 130 ms on 100,000 practices."""
        nearest_of = [
            self._knn_all(
                vector,
                filters=[*filters, Q("term", language=code)],
                min_similarity=min_similarity,
                k=1,
            )
            for code in LANGUAGE_CODES
        ]
        s = (
            Search(using=self.client, index=self.alias)
            .query(Q("bool", should=nearest_of, minimum_should_match=1))
            .extra(size=0, track_total_hits=False)
        )
        s.aggs.bucket("languages", "terms", field="language", size=len(LANGUAGE_CODES) + 10).metric(
            "closest", "top_hits", size=1, _source=False
        )
        response = _answer(s)
        if response is None:
            return {}
        return {
            str(bucket.key): 2 * bucket.closest.hits.hits[0]["_score"] - 1
            for bucket in response.aggregations.languages.buckets
            if bucket.closest.hits.hits
        }

    def suggest(self, prefix: str, *, language: str = "en", limit: int = 8) -> list[dict[str, str]]:
        prefix = prefix.strip()
        if len(prefix) < 2:
            return []
        self.ensure_index()
        s = Search(using=self.client, index=self.alias).source(
            [
                "city",
                "city_name",
                f"title_{language}",
                "title_en",
                "title_fr",
                "title_es",
                "language",
            ]
        )
        s = s.suggest(
            "complete",
            prefix[:100],
            completion={"field": "suggest", "size": limit * 2, "skip_duplicates": True},
        )
        try:
            response: Any = s.execute()
        except (TransportError, ApiError) as exc:
            raise _unavailable(exc) from exc
        out: list[dict[str, str]] = []
        seen: set[str] = set()
        for option in response.suggest.complete[0].options:
            text = option.text
            if text in seen:
                continue
            seen.add(text)
            source = option._source
            # Under the language prefix active here (search.selectors.practice_suggestions).
            if text == source.city_name:
                out.append({"text": text, "url": reverse("city-detail", args=[source.city])})
            else:
                out.append(
                    {"text": text, "url": reverse("practice-detail", args=[int(option._id)])}
                )
        return out[:limit]

    def more_like_this(self, practice: Practice, *, limit: int = 5) -> list[int]:
        """Practices closest in meaning to this one, in any language (knn on its stored
        vector), shared topics and challenges breaking near-ties. A practice with no vector
        yet falls back to its words (more_like_this), helped by the same shared topics."""
        self.ensure_index()
        topics = list(practice.topics.values_list("slug", flat=True))
        challenges = list(practice.challenges.values_list("slug", flat=True))
        itself = [Q("ids", values=[str(practice.pk)])]
        vector = mean_vector(
            practice_vectors(practice_ids=[practice.pk]).get(practice.pk, {}).values()
        )
        if vector is not None:
            query = Q(
                "bool",
                must=[
                    Q(
                        "knn",
                        field="vector",
                        query_vector=vector,
                        # k as wide as the candidates (it defaults to `size`), so a shared
                        # topic can lift a near neighbour just past the first `limit`.
                        k=max(SIMILAR_CANDIDATES, limit * 4),
                        num_candidates=max(SIMILAR_CANDIDATES, limit * 4),
                        filter=[Q("bool", must_not=itself)],
                    )
                ],
                should=[
                    Q("terms", topics=topics, boost=0.05),
                    Q("terms", challenges=challenges, boost=0.02),
                ],
                must_not=itself,
            )
        else:
            fields = [
                f"{kind}_{lang}" for kind in ("title", "summary", "body") for lang in LANGUAGE_CODES
            ]
            like = Q(
                "more_like_this",
                fields=fields,
                like=[{"_index": self.alias, "_id": str(practice.pk)}],
                min_term_freq=1,
                min_doc_freq=1,
                max_query_terms=40,
            )
            query = Q(
                "bool",
                should=[
                    like,
                    Q("terms", topics=topics, boost=2.0),
                    Q("terms", challenges=challenges, boost=0.5),
                ],
                minimum_should_match=1,
                must_not=itself,
            )
        s = Search(using=self.client, index=self.alias).query(query).source(False).extra(size=limit)
        response = _answer(s)
        if response is None:
            return []
        return [int(h.meta.id) for h in response.hits]
