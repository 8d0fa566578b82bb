"""The Elasticsearch node started by scripts/elasticsearch.sh is a real Elasticsearch 8."""

import urllib.request
import uuid

import pytest

from conftest import service_url
from search.client import get_client

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
