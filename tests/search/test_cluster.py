"""A cluster of three real Elasticsearch nodes loses the node holding the index's primary shard
(SIGKILL) while visitors search through the API and an editor publishes and edits practices
through the services: no visitor sees an error, Elasticsearch (not the database fallback)
answers every search, no save fails, the outbox catches up, and search_check finds the index
equal to the database once the node is back and the cluster green.

The cluster is started by the project's own script (scripts/elasticsearch.sh, ES_NODES=3) on
ports of its own: node 1's HTTP port is the shared test node's plus one (9201-9203 beside
9200; transport ES_TRANSPORT_PORT+1, 9301-9303), or CLUSTER_ES_PORT / CLUSTER_ES_TRANSPORT_PORT.
benchmarks/node_loss.py runs the same drill (benchmarks.node_loss.node_loss_drill) and prints
its figures; this test prints them too (`-s`) and asserts what must hold.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from accounts.services import EDITOR, user_grant_staff_role
from benchmarks.node_loss import RUN_DIR, Cluster, node_loss_drill
from search.backends import get_backend
from search.client import get_client
from search.sync import search_check, search_rebuild
from tests.factories import MembershipFactory, PracticeFactory
from tests.support import service_missing, service_url

# Committed rows (the threads read them), and the migrations' taxonomy back after each test's flush.
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NODES = 3


@pytest.fixture(scope="module")
def cluster():
    shared = urlparse(service_url("elasticsearch").split(",")[0])
    http_port = int(os.environ.get("CLUSTER_ES_PORT") or (shared.port or 9200) + 1)
    transport_port = int(
        os.environ.get("CLUSTER_ES_TRANSPORT_PORT")
        or int(os.environ.get("ES_TRANSPORT_PORT", "9300")) + 1
    )
    cluster = Cluster(
        nodes=NODES,
        http_port=http_port,
        transport_port=transport_port,
        run_dir=Path(f"{RUN_DIR}-cluster-test-{http_port}"),
    )
    try:
        cluster.wipe()
        cluster.up()
    except Exception as exc:
        cluster.wipe()
        service_missing(f"the {NODES}-node Elasticsearch cluster did not start: {exc}")
    yield cluster
    cluster.wipe()


@pytest.fixture
def cluster_settings(cluster, settings):
    """The app pointed at every node of the cluster, with one replica, on indices of its own."""
    settings.ELASTICSEARCH_URL = ",".join(cluster.urls)
    settings.SEARCH_BACKEND = "search.backends.elastic.ElasticsearchBackend"
    settings.ELASTICSEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:12]}"
    settings.ELASTICSEARCH_REPLICAS = 1
    get_client.cache_clear()
    yield settings
    get_client.cache_clear()
    get_client().options(ignore_status=404).indices.delete(
        index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*"
    )
    get_client.cache_clear()


def test_the_cluster_formed_with_its_own_heap_and_data(cluster, cluster_settings):
    nodes = get_client().nodes.info(metric="jvm,settings")["nodes"].values()
    assert sorted(n["name"] for n in nodes) == [f"node-{i}" for i in range(1, NODES + 1)]
    assert {n["jvm"]["mem"]["heap_max_in_bytes"] for n in nodes} == {512 * 1024 * 1024}
    data = [n["settings"]["path"]["data"] for n in nodes]
    assert len(set(map(str, data))) == NODES
    # The index the app creates carries a replica, allocated on another node than its primary.
    search_rebuild()
    alias = get_backend().alias
    cluster.wait_green(timeout=120)
    shards = get_client().cat.shards(index=alias, format="json", h="prirep,node,state")
    assert sorted(s["prirep"] for s in shards) == ["p", "r"]
    assert {s["state"] for s in shards} == {"STARTED"}
    assert len({s["node"] for s in shards}) == 2


def test_losing_a_node_while_people_work(cluster, cluster_settings, celery_join_flag):
    city = MembershipFactory().city
    editor = user_grant_staff_role(user=MembershipFactory(city=city).user, role=EDITOR)
    published = [
        PracticeFactory(
            city=city,
            review_state="published",
            published_at=timezone.now(),
            text__title=f"Water and mobility practice {i}",
        )
        for i in range(40)
    ]
    submitted = [
        PracticeFactory(city=city, review_state="submitted", text__title=f"Housing practice {i}")
        for i in range(30)
    ]
    search_rebuild()
    assert search_check().clean

    figures = node_loss_drill(
        cluster=cluster,
        editor=editor,
        publish_ids=[p.pk for p in submitted],
        edit_ids=[p.pk for p in published],
        visitors=3,
        warmup=4.0,
        down=12.0,
    )
    print("\n" + "\n".join(figures.lines()))
    assert figures.requests_during_loss > 0, figures
    assert figures.saves_during_loss > 0, figures
    assert figures.errors == 0, figures.error_samples
    assert figures.save_errors == 0, figures.error_samples
    # Elasticsearch itself answered: the database fallback was never needed.
    assert figures.degraded == 0, figures
    # The cluster noticed the loss (the first look may come before it has).
    assert set(figures.status_during_loss) - {"green"}, figures
    assert figures.outbox_left_after_drain == 0
    assert figures.search_check_clean, search_check()
