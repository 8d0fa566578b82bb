#!/usr/bin/env python
"""Losing an Elasticsearch node while people work: figures printed (the test asserts them).

    make services-up                      # PostgreSQL (and Redis) of this checkout
    .venv/bin/python benchmarks/node_loss.py              # 3 nodes, 1,000 practices
    .venv/bin/python benchmarks/node_loss.py --size 500 --down 20

It starts a cluster of --nodes nodes of its own with scripts/elasticsearch.sh (ES_NODES; HTTP
ports from --http-port, transport ports from --transport-port, its own run folder), loads
--size demo practices into a PostgreSQL database of its own (`<name>_nodeloss`, recreated),
builds the index with one replica through the app's settings (ELASTICSEARCH_URL listing every
node, ELASTICSEARCH_REPLICAS=1), then runs `node_loss_drill`:

- --visitors threads search through the API (/api/v1/search/practices/, words and facets) with
  Django's test client, so each answer goes through the view, the selector, the backend and
  the client's retry policy; an editor thread publishes submitted practices and edits
  published ones through the services, each save writing its outbox row and draining it on
  commit (eager tasks, as in tests);
- after --warmup seconds the node holding the index's primary shard is killed (SIGKILL to its
  process group: no goodbye to the cluster), and started again --down seconds later;
- it waits until the cluster is green, stops the threads, drains what the outbox still holds,
  and runs search_check.

Printed: requests served while a node was missing (from the kill to green again), errors seen
by users (any answer but 200), answers the database gave in place of the engine (`degraded`),
the slowest search meanwhile, saves made meanwhile and failed saves, outbox rows left at the
end, whether search_check found the index equal to the database, and the seconds from the kill
(and from the restart) to green. The last line is the same as JSON.

tests/search/test_cluster.py runs the same drill on 3 nodes and asserts the figures that must
hold (no error, no degraded answer, no lost write, a clean search_check, green again).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "elasticsearch.sh"
# scripts/lib.sh's run folder: under /tmp because the service users must be able to enter it.
RUN_DIR = os.environ.get("POLICY_TRANSFER_RUN_DIR") or "/tmp/policy-transfer-run"  # noqa: S108

# A mix of what visitors type and click: words in the three languages, facets, both together.
QUERIES: list[dict[str, str]] = [
    {"q": "water"},
    {"q": "mobility"},
    {"q": "participatory budget"},
    {"q": "logement"},
    {"q": "movilidad urbana"},
    {"challenge": "sustainability"},
    {"q": "housing", "challenge": "social-cohesion"},
    {"topic": "mobility"},
    {"q": "edited"},
    {},
]


class Cluster:
    """A cluster of `nodes` nodes started by scripts/elasticsearch.sh in a run folder of its
    own: node i (1-based) listens on http_port+i-1 and transport_port+i-1."""

    def __init__(
        self, *, nodes: int, http_port: int, transport_port: int, run_dir: Path, heap: str = ""
    ) -> None:
        self.nodes = nodes
        self.http_port = http_port
        self.transport_port = transport_port
        self.run_dir = Path(run_dir)
        self.heap = heap

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "ES_NODES": str(self.nodes),
            "ES_PORT": str(self.http_port),
            "ES_TRANSPORT_PORT": str(self.transport_port),
            "POLICY_TRANSFER_RUN_DIR": str(self.run_dir),
        }
        if self.heap:
            env["ES_HEAP"] = self.heap
        return env

    def port(self, node: int) -> int:
        return self.http_port + node - 1

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port(i)}" for i in range(1, self.nodes + 1)]

    def _script(self, *args: str, timeout: float = 400) -> None:
        done = subprocess.run(
            [str(SCRIPT), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(
                f"scripts/elasticsearch.sh {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
            )

    def up(self, node: int | None = None) -> None:
        """Start the nodes that are not running (or only `node`); back once the cluster has
        all its nodes and is at least yellow."""
        self._script("up", *([str(node)] if node else []))

    def down(self) -> None:
        self._script("down", timeout=120)

    def wipe(self) -> None:
        self.down()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def kill(self, node: int) -> None:
        """SIGKILL the node's process group (runuser and the JVM that setsid put in it): the
        node vanishes as on a power cut, without leaving the cluster."""
        pid = int((self.run_dir / "es-cluster" / f"node-{node}" / "node.pid").read_text())
        os.killpg(pid, signal.SIGKILL)

    def _get(self, path: str) -> Any:
        """GET from the first node that answers."""
        last: Exception | None = None
        for url in self.urls:
            try:
                with urllib.request.urlopen(url + path, timeout=30) as response:
                    return json.loads(response.read())
            except OSError as exc:
                last = exc
        raise RuntimeError(f"no node of the cluster answers {path}: {last}")

    def health(self) -> dict[str, Any]:
        return self._get("/_cluster/health")

    def primary_node(self, index: str) -> int:
        """The node (1-based) holding the primary shard of `index` (an alias will do)."""
        shards = self._get(f"/_cat/shards/{urllib.parse.quote(index)}?format=json&h=prirep,node")
        names = [s["node"] for s in shards if s["prirep"] == "p" and s.get("node")]
        if not names:
            raise RuntimeError(f"no primary shard of {index} is assigned: {shards}")
        return int(names[0].rsplit("-", 1)[1])

    def wait_green(self, *, timeout: float) -> float:
        """Seconds waited until the cluster is green."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if self.health()["status"] == "green":
                    return time.monotonic() - started
            except RuntimeError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the cluster is not green after {timeout:.0f} s: {self.health()}")


@dataclass
class Figures:
    nodes: int = 0
    killed_node: int = 0
    requests: int = 0
    requests_during_loss: int = 0
    errors: int = 0
    errors_during_loss: int = 0
    degraded: int = 0
    degraded_during_loss: int = 0
    search_p50_during_loss_ms: float = 0.0
    search_p95_during_loss_ms: float = 0.0
    slowest_search_during_loss_ms: float = 0.0
    saves: int = 0
    saves_during_loss: int = 0
    save_errors: int = 0
    outbox_left_at_green: int = 0
    outbox_drained_after: int = 0
    outbox_left_after_drain: int = 0
    search_check_clean: bool = False
    status_during_loss: list[str] = field(default_factory=list)
    seconds_node_missing: float = 0.0
    seconds_kill_to_green: float = 0.0
    seconds_restart_to_rejoined: float = 0.0
    seconds_restart_to_green: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"cluster: {self.nodes} nodes, 1 shard + 1 replica; killed node-{self.killed_node} "
            f"(held the primary), started again after {self.seconds_node_missing:.1f} s",
            f"searches: {self.requests} in all, {self.requests_during_loss} while a node was "
            f"missing (kill to green); errors seen by users {self.errors} "
            f"({self.errors_during_loss} meanwhile); answered by the database in place of "
            f"Elasticsearch {self.degraded} ({self.degraded_during_loss} meanwhile); searches "
            f"meanwhile p50 {self.search_p50_during_loss_ms:.0f} ms, p95 "
            f"{self.search_p95_during_loss_ms:.0f} ms, slowest "
            f"{self.slowest_search_during_loss_ms:.0f} ms",
            f"writes: {self.saves} saves ({self.saves_during_loss} while a node was missing), "
            f"{self.save_errors} failed; outbox rows left at green {self.outbox_left_at_green}, "
            f"drained after {self.outbox_drained_after}, left {self.outbox_left_after_drain}; "
            f"search_check {'clean' if self.search_check_clean else 'FOUND DIFFERENCES'}",
            f"health while missing: {', '.join(self.status_during_loss) or '-'}; green again "
            f"{self.seconds_kill_to_green:.1f} s after the kill, "
            f"{self.seconds_restart_to_green:.1f} s after the restart (the node's JVM back in "
            f"the cluster after {self.seconds_restart_to_rejoined:.1f} s of it)",
        ]


def node_loss_drill(
    *,
    cluster: Cluster,
    editor: Any,
    publish_ids: list[int],
    edit_ids: list[int],
    visitors: int = 3,
    warmup: float = 5.0,
    down: float = 15.0,
    green_timeout: float = 240.0,
) -> Figures:
    """Kill the node holding the primary while visitors search and an editor publishes and
    edits; see the module's docstring. Django must be set up with ELASTICSEARCH_URL listing
    the cluster's nodes, the index built, and `publish_ids` submitted, `edit_ids` published."""
    from django.db import connection
    from django.test import Client

    from practices.models import Challenge, Practice, SearchOutbox
    from practices.services import PracticeData, PracticeText, practice_transition, practice_update
    from search.backends import get_backend
    from search.sync import outbox_drain, search_check

    figures = Figures(nodes=cluster.nodes)
    stop = threading.Event()
    lock = threading.Lock()
    searches: list[tuple[float, float, str, bool]] = []  # start, seconds, outcome, degraded
    saves: list[tuple[float, str]] = []  # end, outcome

    def visitor(seed: int) -> None:
        rng = random.Random(seed)
        client = Client()
        try:
            while not stop.is_set():
                params = dict(rng.choice(QUERIES))
                params["page"] = str(rng.randint(1, 2))
                path = "/api/v1/search/practices/?" + urllib.parse.urlencode(params)
                started = time.monotonic()
                degraded = False
                try:
                    response = client.get(path, SERVER_NAME="127.0.0.1")
                    outcome = "ok" if response.status_code == 200 else str(response.status_code)
                    if response.status_code == 200:
                        degraded = bool(response.json()["degraded"])
                except Exception as exc:  # an exception is what a user would get as a 500
                    outcome = f"{type(exc).__name__}: {exc}"
                with lock:
                    searches.append((started, time.monotonic() - started, outcome, degraded))
        finally:
            connection.close()

    def editor_work() -> None:
        any_challenge = list(Challenge.objects.order_by("pk")[:1])
        to_publish = list(publish_ids)
        to_edit = itertools.cycle(edit_ids)
        try:
            for n in itertools.count(1):
                if stop.is_set():
                    return
                try:
                    if to_publish and n % 2:
                        practice = Practice.objects.get(pk=to_publish.pop())
                        practice_transition(practice=practice, by=editor, name="publish")
                    else:
                        practice = Practice.objects.get(pk=next(to_edit))
                        original = practice.original
                        practice_update(
                            practice=practice,
                            by=editor,
                            data=PracticeData(
                                text=PracticeText(
                                    title=f"{original.title.split(' (edited')[0]} (edited {n})",
                                    summary=original.summary or "Edited.",
                                ),
                                # A new title only: the practice keeps its challenges.
                                challenges=list(practice.challenges.all()) or any_challenge,
                            ),
                        )
                    outcome = "ok"
                except Exception as exc:
                    outcome = f"{type(exc).__name__}: {exc}"
                with lock:
                    saves.append((time.monotonic(), outcome))
        finally:
            connection.close()

    alias = get_backend().alias  # type: ignore[attr-defined]
    cluster.wait_green(timeout=green_timeout)
    threads = [threading.Thread(target=visitor, args=(i,), daemon=True) for i in range(visitors)]
    threads.append(threading.Thread(target=editor_work, daemon=True))
    for thread in threads:
        thread.start()
    try:
        time.sleep(warmup)
        figures.killed_node = cluster.primary_node(alias)
        killed_at = time.monotonic()
        cluster.kill(figures.killed_node)
        statuses: list[str] = []
        while time.monotonic() - killed_at < down:
            try:
                status = cluster.health()["status"]
            except RuntimeError:
                status = "no answer"
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            time.sleep(0.5)
        restarted_at = time.monotonic()
        figures.seconds_node_missing = restarted_at - killed_at
        cluster.up(figures.killed_node)
        figures.seconds_restart_to_rejoined = time.monotonic() - restarted_at
        cluster.wait_green(timeout=green_timeout)
        green_at = time.monotonic()
        figures.status_during_loss = statuses
        figures.seconds_kill_to_green = green_at - killed_at
        figures.seconds_restart_to_green = green_at - restarted_at
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    with lock:
        during_ms: list[float] = []
        for started, seconds, outcome, degraded in searches:
            during = killed_at <= started < green_at
            figures.requests += 1
            figures.requests_during_loss += during
            if outcome != "ok":
                figures.errors += 1
                figures.errors_during_loss += during
                if len(figures.error_samples) < 5:
                    figures.error_samples.append(outcome[:300])
            figures.degraded += degraded
            figures.degraded_during_loss += during and degraded
            if during:
                during_ms.append(seconds * 1000)
        if during_ms:
            during_ms.sort()
            figures.search_p50_during_loss_ms = during_ms[len(during_ms) // 2]
            figures.search_p95_during_loss_ms = during_ms[
                min(len(during_ms) - 1, len(during_ms) * 95 // 100)
            ]
            figures.slowest_search_during_loss_ms = during_ms[-1]
        for ended, outcome in saves:
            figures.saves += 1
            figures.saves_during_loss += killed_at <= ended < green_at
            if outcome != "ok":
                figures.save_errors += 1
                if len(figures.error_samples) < 10:
                    figures.error_samples.append(outcome[:300])
    figures.outbox_left_at_green = SearchOutbox.objects.count()
    figures.outbox_drained_after = outbox_drain()
    figures.outbox_left_after_drain = SearchOutbox.objects.count()
    figures.search_check_clean = search_check().clean
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--size", type=int, default=1000, help="demo practices (1000)")
    parser.add_argument("--cities", type=int, default=150, help="member cities (150)")
    parser.add_argument("--visitors", type=int, default=3, help="searching threads (3)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the kill")
    parser.add_argument("--down", type=float, default=15.0, help="seconds the node stays dead")
    es_port = int(os.environ.get("ES_PORT", "9200"))
    parser.add_argument(
        "--http-port", type=int, default=es_port + 1, help="node 1's HTTP port (ES_PORT+1)"
    )
    parser.add_argument(
        "--transport-port",
        type=int,
        default=int(os.environ.get("ES_TRANSPORT_PORT", "9300")) + 1,
        help="node 1's transport port (ES_TRANSPORT_PORT+1)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://policy:policy@127.0.0.1:5432/policy_transfer"
        ),
    )
    parser.add_argument("--run-dir", default=RUN_DIR + "-node-loss")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from benchmarks import search as bench

    cluster = Cluster(
        nodes=args.nodes,
        http_port=args.http_port,
        transport_port=args.transport_port,
        run_dir=Path(args.run_dir),
    )
    cluster.wipe()
    started = time.monotonic()
    print(f"[node_loss] starting {args.nodes} nodes on ports {cluster.urls} …", flush=True)
    cluster.up()
    print(f"[node_loss] cluster up in {time.monotonic() - started:.0f} s", flush=True)
    try:
        parsed = urllib.parse.urlparse(args.database_url)
        name = parsed.path.strip("/") + "_nodeloss"
        bench.recreate_database(args.database_url, name)
        os.environ["ELASTICSEARCH_REPLICAS"] = "1"
        os.environ["BENCH_INDEX_PREFIX"] = "node-loss"
        # Publishing mails the city's members: kept in memory, not printed among the figures.
        os.environ["EMAIL_URL"] = "locmemmail://"
        redis_port = os.environ.get("REDIS_PORT", "6379")
        os.environ.setdefault("DJANGO_CACHE_URL", f"redis://127.0.0.1:{redis_port}/2")
        bench.setup_django(parsed._replace(path=f"/{name}").geturl(), ",".join(cluster.urls))
        from django.core.management import call_command

        from accounts.models import User
        from cities.services import cities_load_reference
        from portal.demo import DEMO_DOMAIN, demo_load
        from practices.models import Practice
        from search.sync import search_rebuild

        call_command("migrate", verbosity=0)
        cities_load_reference()
        demo_load(practices=args.size, member_cities=args.cities)
        search_rebuild()
        published = list(
            Practice.objects.filter(review_state="published").values_list("pk", flat=True)[:200]
        )
        submitted = list(
            Practice.objects.filter(review_state="submitted").values_list("pk", flat=True)[:200]
        )
        editor = User.objects.get(email=f"editor@{DEMO_DOMAIN}")
        print(
            f"[node_loss] {Practice.objects.count()} practices, "
            f"{len(published)} to edit, {len(submitted)} to publish; drill …",
            flush=True,
        )
        figures = node_loss_drill(
            cluster=cluster,
            editor=editor,
            publish_ids=submitted,
            edit_ids=published,
            visitors=args.visitors,
            warmup=args.warmup,
            down=args.down,
        )
    finally:
        cluster.wipe()
    for line in figures.lines():
        print(line)
    for sample in figures.error_samples:
        print("  error:", sample)
    print(json.dumps(asdict(figures)))


if __name__ == "__main__":
    main()
