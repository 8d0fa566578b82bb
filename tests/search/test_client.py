"""How search.client reads ELASTICSEARCH_URL: one node or a cluster's nodes, credentials, and the
retry policy every client gets (the node-loss test, tests/search/test_cluster.py, shows the
policy at work on a real cluster)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from search.client import client_options, get_client


@pytest.fixture
def es(settings):
    settings.ELASTICSEARCH_API_KEY = ""
    settings.ELASTICSEARCH_USERNAME = ""
    settings.ELASTICSEARCH_PASSWORD = ""
    settings.ELASTICSEARCH_CA_CERTS = ""
    settings.ELASTICSEARCH_TIMEOUT = 7.5
    settings.ELASTICSEARCH_MAX_RETRIES = 4
    get_client.cache_clear()
    yield settings
    get_client.cache_clear()


def test_one_node(es):
    es.ELASTICSEARCH_URL = "http://127.0.0.1:9200"
    options = client_options()
    assert options["hosts"] == ["http://127.0.0.1:9200"]
    assert "basic_auth" not in options


def test_every_node_of_a_cluster_with_the_retry_policy(es):
    es.ELASTICSEARCH_URL = "http://es1:9200, http://es2:9200 ,http://es3:9200,"
    options = client_options()
    assert options["hosts"] == ["http://es1:9200", "http://es2:9200", "http://es3:9200"]
    assert options["request_timeout"] == 7.5
    assert options["max_retries"] == 4
    assert options["retry_on_timeout"] is True
    assert options["sniff_on_start"] is False
    assert options["sniff_on_node_failure"] is False
    # The client built from them knows every node.
    es.ELASTICSEARCH_URL = "http://127.0.0.1:9201,http://127.0.0.1:9202"
    nodes = get_client().transport.node_pool.all()
    assert sorted(n.config.port for n in nodes) == [9201, 9202]


def test_credentials_in_the_urls_are_taken_out_of_them(es):
    es.ELASTICSEARCH_URL = "https://app:s3cret@es1:9200,https://app:s3cret@es2:9200"
    options = client_options()
    assert options["hosts"] == ["https://es1:9200", "https://es2:9200"]
    assert options["basic_auth"] == ("app", "s3cret")


@pytest.mark.parametrize(
    "url",
    [
        "es1:9200",
        "http://es1:9200,ftp://es2:21",
        "https://app:one@es1:9200,https://app:two@es2:9200",
        " , ",
    ],
)
def test_urls_that_cannot_be_used_are_refused(es, url):
    es.ELASTICSEARCH_URL = url
    with pytest.raises(ImproperlyConfigured):
        client_options()
