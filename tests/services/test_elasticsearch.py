"""The Elasticsearch node started by scripts/elasticsearch.sh is a real Elasticsearch 8."""

import urllib.request
import uuid

import pytest

from search.client import get_client
from tests.support import service_url

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es(settings):
    settings.ELASTICSEARCH_URL = service_url("elasticsearch")
    get_client.cache_clear()
    yield get_client()
    get_client.cache_clear()


def test_answers_as_elasticsearch_8():
    with urllib.request.urlopen(service_url("elasticsearch"), timeout=10) as response:  # noqa: S310
        assert response.headers["X-Elastic-Product"] == "Elasticsearch"
        body = response.read().decode()
    assert '"number":"8.' in body.replace(" ", "")


def test_client_reports_version_8(es):
    assert es.info()["version"]["number"].startswith("8.")


@pytest.mark.parametrize(
    ("analyzer", "text", "query"),
    [
        ("french", "Les chevaux mangeaient des pommes", "cheval"),
        ("spanish", "Las canciones de los barrios", "canción"),
        ("english", "Running safer streets for women", "run street"),
    ],
)
def test_language_analyzer_stems_and_matches(es, analyzer, text, query):
    index = f"smoke-{uuid.uuid4().hex}"
    es.indices.create(
        index=index,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={"properties": {"body": {"type": "text", "analyzer": analyzer}}},
    )
    try:
        es.index(index=index, id="1", document={"body": text}, refresh=True)
        es.index(index=index, id="2", document={"body": "nothing related"}, refresh=True)
        hits = es.search(index=index, query={"match": {"body": query}})["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["1"]
    finally:
        es.indices.delete(index=index)


def test_aggregations_highlight_and_aliases(es):
    index = f"smoke-{uuid.uuid4().hex}"
    alias = f"{index}-alias"
    es.indices.create(
        index=index,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={
            "properties": {
                "title": {"type": "text", "analyzer": "french"},
                "challenge": {"type": "keyword"},
            }
        },
        aliases={alias: {}},
    )
    try:
        for i, challenge in enumerate(["sustainability", "sustainability", "gender-equality"]):
            es.index(
                index=index,
                id=str(i),
                document={"title": "Budget participatif", "challenge": challenge},
            )
        es.indices.refresh(index=index)
        result = es.search(
            index=alias,
            query={"match": {"title": "budgets"}},
            aggs={"challenge": {"terms": {"field": "challenge"}}},
            highlight={"fields": {"title": {}}},
        )
        buckets = {b["key"]: b["doc_count"] for b in result["aggregations"]["challenge"]["buckets"]}
        assert buckets == {"sustainability": 2, "gender-equality": 1}
        assert "<em>Budget</em>" in result["hits"]["hits"][0]["highlight"]["title"][0]
    finally:
        es.indices.delete(index=index)


@pytest.mark.parametrize(
    ("analysis", "setting"),
    [
        ({"analyzer": {"fr": {"type": "french", "stopwords": ["le", "la"]}}}, "stopwords"),
        ({"analyzer": {"en": {"type": "english", "stem_exclusion": ["news"]}}}, "stem_exclusion"),
        (
            {
                "filter": {"keep": {"type": "asciifolding", "preserve_original": True}},
                "analyzer": {
                    "folded": {"type": "custom", "tokenizer": "standard", "filter": ["keep"]}
                },
            },
            "preserve_original",
        ),
    ],
    ids=["french-stopwords", "english-stem_exclusion", "asciifolding-preserve_original"],
)
def test_analysis_settings_this_node_cannot_honour_are_refused(es, analysis, setting):
    # Production Elasticsearch applies these settings (analysis-common); the development node's
    # LanguageAnalyzersPlugin does not, so it must refuse the index rather than drop them.
    from elasticsearch import BadRequestError

    index = f"smoke-{uuid.uuid4().hex}"
    try:
        with pytest.raises(BadRequestError) as refused:
            es.indices.create(index=index, settings={"analysis": analysis})
        assert f"[{setting}] is not supported on this development node" in str(refused.value)
        assert not es.indices.exists(index=index)
    finally:
        es.options(ignore_status=404).indices.delete(index=index)


# Tokens of the real analyzers, obtained once by running Lucene 9.12.2's own classes (the Lucene
# of Elasticsearch 8.19, from Maven Central: lucene-core and lucene-analysis-common) in a
# throwaway Java program: EnglishAnalyzer, FrenchAnalyzer and SpanishAnalyzer with their
# defaults (what analysis-common's "english", "french" and "spanish" build), and for "folded"
# CustomAnalyzer.builder().withTokenizer("standard").addTokenFilter("lowercase")
# .addTokenFilter("asciifolding"). Each list is what Analyzer.tokenStream gave for the text.
REAL_ANALYZERS = [
    (
        "title_en",
        "The cities' buses were running on safer streets for women and children.",
        ["citi", "buse", "were", "run", "safer", "street", "women", "children"],
    ),
    (
        "title_en",
        "Participatory budgeting: São Paulo's neighbourhoods decided, and it worked!",
        ["participatori", "budget", "são", "paulo", "neighbourhood", "decid", "work"],
    ),
    (
        "title_fr",
        "L'eau des rivières et les chevaux de l'État",
        ["eau", "rivier", "cheval", "état"],
    ),
    (
        "summary_fr",
        "Qu'elles rénovent d’anciennes écoles publiques aujourd'hui, à Montréal.",
        ["elle", "renovent", "ancien", "ecol", "publiqu", "aujourd'hui", "montreal"],
    ),
    (
        "title_es",
        "Las canciones de los barrios y la educación pública en las ciudades",
        ["cancion", "barri", "educacion", "public", "ciudad"],
    ),
    (
        "body_es",
        "Los vecinos deciden el gasto: más árboles, menos coches.",
        ["vecin", "deciden", "gast", "arbol", "men", "coch"],
    ),
    (
        "city_name",
        "São Paulo, Zürich and Côte d'Ivoire",
        ["sao", "paulo", "zurich", "and", "cote", "d'ivoire"],
    ),
    ("city_name", "ŁÓDŹ Ærøskøbing", ["lodz", "aeroskobing"]),
]


def test_the_index_analyses_text_as_the_real_analyzers_do(es):
    from search.backends.elastic import index_settings, mappings

    index = f"smoke-{uuid.uuid4().hex}"
    es.indices.create(index=index, settings=index_settings(building=True), mappings=mappings())
    try:
        for field, text, tokens in REAL_ANALYZERS:
            got = es.indices.analyze(index=index, field=field, text=text)["tokens"]
            assert [t["token"] for t in got] == tokens, (field, text)
    finally:
        es.indices.delete(index=index)
