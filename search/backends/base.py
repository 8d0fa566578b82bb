"""The search interface both backends implement, and the values that cross it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from practices.models import Practice

PAGE_SIZE = 20
# Deep pagination is refused: 50 pages of 20 is more than anyone reads, and Elasticsearch's
# cost grows with the offset.
MAX_RESULTS = 1000
MAX_PAGE = MAX_RESULTS // PAGE_SIZE

SORTS = ("relevance", "newest", "adapted")
# How a text query is matched (issue 13). "combined", the default and what users get: exact
# words, plus practices close in meaning (in any language) labelled "related"; exact words and
# names rank first. "lexical" and "semantic" run one part alone: for benchmarks/relevance.py,
# and "lexical" is also what a backend falls back to when the embedder is unavailable.
MODES = ("combined", "lexical", "semantic")


class SearchUnavailable(Exception):
    """The search engine did not answer; callers fall back to the database backend."""


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    language: str = "en"
    page_size: int = PAGE_SIZE
    mode: str = "combined"
    # How close a practice must be to join by meaning (raw cosine). None: the backend's own
    # floor, set for precision on the main list. "Closest by meaning" (search.selectors) asks
    # for a lower one: it shows a few practices, nearest first, clearly labelled, on a page
    # whose words found almost nothing.
    similarity_floor: float | None = None

    def selected(self, param: str) -> tuple[str, ...]:
        return self.filters.get(param, ())


@dataclass
class Hit:
    id: int
    score: float | None
    # field name ("title", "summary", "body") -> fragments with <mark> around matches, already
    # escaped apart from the marks.
    highlights: dict[str, list[str]] = field(default_factory=dict)
    # Found by meaning, not by the words (the lexical part did not match it: on a multi-word
    # query some of the words may be in it): pages label it "related".
    related: bool = False


@dataclass(frozen=True)
class Neighbour:
    """A published practice close in meaning to a vector: `similarity` is the raw cosine
    (-1 to 1), not an engine score, so callers can hold it against floors of their own."""

    id: int
    similarity: float


@dataclass(frozen=True)
class CityNeighbours:
    """One city's published practices close in meaning to a vector (peer matching counts a
    city's answers, not only its best one): how many there are, how many of them have a text in
    the language asked about, and the closest few, most similar first."""

    city: str  # the city's slug, as the `city` facet holds it
    count: int
    in_language: int
    closest: tuple[Neighbour, ...]


# The most practices one grouped retrieval by meaning reads: Elasticsearch's knn query refuses
# more candidates than this, and the database backend stops at the same number so that both
# count alike.
NEAREST_MAX = 10_000


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    suggestion: str = ""
    degraded: bool = False
    backend: str = ""
    # Time the engine itself reports (Elasticsearch "took"), in milliseconds, when it does.
    took_ms: float | None = None
    # The meaning part could not run (embedder unavailable): the hits match words only, and
    # pages say so.
    semantic_unavailable: bool = False

    @property
    def pages(self) -> int:
        shown = min(self.total, MAX_RESULTS)
        return max(1, (shown + self.query.page_size - 1) // self.query.page_size)


class SearchBackend(ABC):
    """Everything the rest of the project asks of a search engine: the selectors (search,
    ids, nearest, suggest, more_like_this), the outbox drain (index, remove) and rebuild and
    search_check (rebuild, refresh, indexed_versions). A backend is named in settings by its
    dotted path (SEARCH_BACKEND) and built with no arguments. Methods raise SearchUnavailable
    when the engine does not answer."""

    name: str

    @abstractmethod
    def index(self, ids: Iterable[int]) -> None:
        """Bring the documents of these practices up to date (removing unpublished ones)."""

    @abstractmethod
    def remove(self, ids: Iterable[int]) -> None: ...

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchPage: ...

    @abstractmethod
    def ids(self, query: SearchQuery, *, limit: int) -> list[int]:
        """Every matching practice id in the query's order, up to `limit` (for exports: no
        facets, highlights or page window)."""

    @abstractmethod
    def nearest(
        self,
        vector: Sequence[float],
        *,
        filters: dict[str, tuple[str, ...]],
        limit: int,
        min_similarity: float,
    ) -> list[Neighbour]:
        """The published practices closest in meaning to `vector` (a sentence vector from
        core.embedding), most similar first: at most `limit`, each at least `min_similarity`
        close, among those the facet `filters` keep (as SearchQuery.filters). No facets, no
        highlights: peer matching reads the ids and similarities and nothing else."""

    @abstractmethod
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
        """The cities owning published practices at least `min_similarity` close to `vector`
        among those the facet `filters` keep: the `cities` with the most such practices (ties at
        the cut by slug), ordered by that count (ties: the most similar closest practice, then
        the slug); each with its count, how many of those have a text in `language`, and its
        `per_city` closest. At most NEAREST_MAX practices, the closest, are counted. With a
        `band`, a practice counts only if it is also within `band` of the closest practice
        written in the same language (the encoder scores a text in another language than the
        vector's lower, so each original language is held against its own best), and at most
        NEAREST_MAX / 3 per language are counted."""

    @abstractmethod
    def suggest(self, prefix: str, *, language: str = "en", limit: int = 8) -> list[dict[str, str]]:
        """Completions of a title or city name: [{"text": ..., "url": ...}]."""

    @abstractmethod
    def more_like_this(self, practice: Practice, *, limit: int = 5) -> list[int]: ...

    @abstractmethod
    def rebuild(self) -> int:
        """Rebuild everything from the database; returns the number of documents."""

    @abstractmethod
    def refresh(self) -> None:
        """Make every write made so far visible to searches (search_check and tests call it
        before reading)."""

    @abstractmethod
    def indexed_versions(self) -> dict[int, str]:
        """Practice id -> version (its `updated_at`, ISO 8601) of every document the backend
        holds, for search_check to compare with the published practices."""
