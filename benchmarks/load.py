#!/usr/bin/env python
"""Load benchmark: a mixed population of simulated users against a running server, figures
printed (never asserted).

    make run-full                                   # in another terminal (demo data loaded)
    .venv/bin/pip install -e '.[bench]'             # Locust
    .venv/bin/python benchmarks/load.py             # 50 users, 120 s, https://127.0.0.1:8443
    .venv/bin/python benchmarks/load.py --host http://127.0.0.1:8000 --users 20 --duration 60 \
        --mix visitor=6,member=3,broker=1

Three kinds of user, in proportions given by --mix (weights; default visitor=7,member=2,
broker=1), each waiting 1-3 s between actions like a person reading:
- visitor (anonymous): the search page with words and one or two facets, the search API with
  facets, a practice's page, suggestions while typing;
- member (a demo practitioner, signed in with an API token): keeps one draft of their city,
  edits it (PATCH), submits it for review and withdraws it again, and reads their list;
- broker (the demo broker): lists the requests in review, ranks the peers of one (the matching
  computation) and reads the ranking.

It needs the demo accounts of `manage.py load_demo` (their shared password is DEMO_PASSWORD's
default, or --password). Rate limits count per client address and every simulated user comes
from this machine: run the server with API_THROTTLE_ANON= and API_THROTTLE_USER= (limits off),
or the 429s are counted as errors.

It prints, per kind of request: requests, throughput, p50, p95, errors; then the peak memory of
each process of the stack on this machine (found by the ports they listen on: the server in
--host, PostgreSQL, Elasticsearch, Redis, and the Celery processes started from this checkout),
read from /proc (VmHWM, the peak resident size over the process's life, and the peak of each
kind's summed resident size sampled during the run); and the server's own figures from its
/metrics endpoint (requests and latency by view, search latency by backend, outbox lag, mails
waiting, Celery queue depth), read before, during and after the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

# Locust runs on gevent, which must patch the standard library before anything imports it.
from gevent import monkey

monkey.patch_all()

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import requests  # noqa: E402
import urllib3  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO_DOMAIN = "demo.metropolis.test"
DEMO_PASSWORD = "metropolis-demo-2026"  # noqa: S105 - the demo accounts' documented password

WORDS = [
    "water", "housing", "mobility", "bus", "energy", "waste", "participation", "climate",
    "eau", "logement", "vivienda", "agua", "transporte", "jóvenes", "women safety", "heat",
]  # fmt: skip
CHALLENGES = [
    "social-cohesion", "sustainability", "economic-development", "gender-equality",
    "quality-of-life",
]  # fmt: skip
LANGUAGES = ["en", "fr", "es"]

# Filled by prepare() before the users start: what the demo data holds.
CATALOGUE: dict[str, list] = {"practices": [], "members": []}
OPTIONS: dict[str, str] = {}


def _facets() -> dict[str, str]:
    chosen = {"challenge": random.choice(CHALLENGES)}
    if random.random() < 0.5:
        chosen["sdg"] = str(random.randint(1, 17))
    return chosen


class Visitor(HttpUser):
    weight = 7
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.verify = False

    @task(4)
    def search_page(self) -> None:
        language = random.choice(LANGUAGES)
        query = {"q": random.choice(WORDS), **_facets()}
        self.client.get(
            f"/{language}/search/?{urllib.parse.urlencode(query)}", name="visitor: search page"
        )

    @task(3)
    def search_api(self) -> None:
        query = {"q": random.choice(WORDS), **_facets(), "language": random.choice(LANGUAGES)}
        self.client.get(
            f"/api/v1/search/practices/?{urllib.parse.urlencode(query)}",
            name="visitor: search API",
        )

    @task(3)
    def practice_page(self) -> None:
        if CATALOGUE["practices"]:
            pk = random.choice(CATALOGUE["practices"])
            language = random.choice(LANGUAGES)
            self.client.get(f"/{language}/practices/{pk}/", name="visitor: practice page")

    @task(1)
    def suggest(self) -> None:
        prefix = random.choice(WORDS)[:3]
        self.client.get(f"/api/v1/search/suggest/?q={prefix}", name="visitor: suggest")


def _token_login(user: HttpUser, email: str, name: str) -> bool:
    response = user.client.post(
        "/api/v1/auth/token/",
        json={"email": email, "password": OPTIONS["password"], "name": "load benchmark"},
        name=name,
    )
    if response.status_code not in (200, 201):
        return False
    user.client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return True


class Member(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.verify = False
        self.draft: int | None = None
        self.city, email = random.choice(CATALOGUE["members"])
        if not _token_login(self, email, "member: sign in"):
            self.stop()
            return
        created = self.client.post(
            "/api/v1/practices/",
            json={
                "city": self.city,
                "language": "en",
                "title": f"Load test draft {random.randint(1, 10**9)}",
                "summary": "A draft written during the load benchmark.",
                "sections": {"context": "Why the city tried it.", "results": "What changed."},
                "challenges": [random.choice(CHALLENGES)],
                "sdgs": [11],
            },
            name="member: create draft",
        )
        if created.status_code == 201:
            self.draft = created.json()["id"]

    @task(3)
    def edit_submit_withdraw(self) -> None:
        if self.draft is None:
            return
        base = f"/api/v1/practices/{self.draft}"
        self.client.patch(
            f"{base}/",
            json={
                "summary": f"Revised at {time.time():.0f}: buses every {random.randint(5, 30)} min."
            },
            name="member: edit (PATCH)",
        )
        self.client.post(f"{base}/submit/", name="member: submit")
        self.client.post(f"{base}/withdraw/", name="member: withdraw")

    @task(1)
    def my_practices(self) -> None:
        self.client.get(
            f"/api/v1/practices/?city={self.city}&review_state=draft", name="member: my list"
        )


class Broker(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.verify = False
        self.requests: list[int] = []
        if not _token_login(self, f"broker@{DEMO_DOMAIN}", "broker: sign in"):
            self.stop()
            return
        listed = self.client.get("/api/v1/exchange-requests/?page_size=100", name="broker: queue")
        if listed.status_code == 200:
            self.requests = [
                r["id"]
                for r in listed.json()["results"]
                if r["state"] in ("in_review", "proposed", "matched")
            ]

    @task(2)
    def rank(self) -> None:
        if self.requests:
            pk = random.choice(self.requests)
            self.client.post(f"/api/v1/exchange-requests/{pk}/rank/", name="broker: rank peers")

    @task(2)
    def matches(self) -> None:
        if self.requests:
            pk = random.choice(self.requests)
            self.client.get(f"/api/v1/exchange-requests/{pk}/matches/", name="broker: read ranking")

    @task(1)
    def queue(self) -> None:
        self.client.get("/api/v1/exchange-requests/?state=in_review", name="broker: queue")


KINDS = {"visitor": Visitor, "member": Member, "broker": Broker}


# -- what the server holds ----------------------------------------------------------------------


def prepare(host: str) -> None:
    session = requests.Session()
    session.verify = False
    ids: list[int] = []
    cities: set[str] = set()
    page = f"{host}/api/v1/practices/?page_size=100"
    while page and len(ids) < 2000:
        answer = session.get(page, timeout=60)
        answer.raise_for_status()
        body = answer.json()
        for practice in body["results"]:
            ids.append(practice["id"])
            city = practice.get("city")
            cities.add(city["slug"] if isinstance(city, dict) else str(city))
        page = body.get("next")
    CATALOGUE["practices"] = ids
    # Members sign in as the practitioners of the cities that publish; the secretariat's
    # broker may see who works for each city (signing in by guessing would hit the limits on
    # failed sign-ins).
    token = session.post(
        f"{host}/api/v1/auth/token/",
        json={"email": f"broker@{DEMO_DOMAIN}", "password": OPTIONS["password"], "name": "load"},
        timeout=60,
    )
    if token.status_code not in (200, 201):
        sys.exit(f"The demo broker cannot sign in ({token.status_code}): load the demo data.")
    staff = {"Authorization": f"Bearer {token.json()['token']}"}

    def practitioners(slug: str) -> list[str]:
        answer = session.get(f"{host}/api/v1/cities/{slug}/members/", headers=staff, timeout=60)
        if answer.status_code != 200:
            return []
        return [m["email"] for m in answer.json()["results"] if m["role"] == "practitioner"]

    pool = gevent.pool.Pool(8)
    found = pool.map(practitioners, sorted(cities))
    CATALOGUE["members"] = [
        (slug, emails[0]) for slug, emails in zip(sorted(cities), found, strict=True) if emails
    ]
    if not ids or not CATALOGUE["members"]:
        sys.exit("The server has no practices or cities: load the demo data (make run-full does).")


# -- processes and their memory (Linux /proc) ----------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _processes() -> dict[int, dict]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        found[int(entry.name)] = {"ppid": ppid, "comm": comm, "cmdline": cmdline, "cwd": cwd}
    return found


def _pids_listening(port: int, processes: dict[int, dict]) -> set[int]:
    inodes = {f"socket:[{i}]" for i in _listening_inodes(port)}
    pids = set()
    for pid in processes:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd) in inodes:
                    pids.add(pid)
                    break
        except OSError:
            continue
    return pids


def _with_children(pids: set[int], processes: dict[int, dict]) -> set[int]:
    found, grew = set(pids), True
    while grew:
        grew = False
        for pid, info in processes.items():
            if pid not in found and info["ppid"] in found:
                found.add(pid)
                grew = True
    return found


def stack_processes(ports: dict[str, int]) -> dict[int, tuple[str, str]]:
    """{pid: (kind, command name)} of the stack's processes on this machine."""
    processes = _processes()
    kinds: dict[int, tuple[str, str]] = {}
    for kind, port in ports.items():
        for pid in _with_children(_pids_listening(port, processes), processes):
            info = processes[pid]
            label = kind
            if kind in ("server", "app"):
                label = "gunicorn" if "gunicorn" in info["cmdline"] else info["comm"]
            kinds[pid] = (label, info["comm"])
    for pid, info in processes.items():
        if "celery" in info["cmdline"] and info["cwd"] == str(ROOT) and pid not in kinds:
            kind = "celery beat" if " beat" in info["cmdline"] else "celery worker"
            kinds[pid] = (kind, info["comm"])
    return kinds


def _memory(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) in kB; (0, 0) once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    values = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.MULTILINE))
    return int(values.get("VmHWM", 0)), int(values.get("VmRSS", 0))


class MemorySampler:
    """Samples the stack's processes every few seconds: each process's peak (VmHWM at its last
    sighting) and the peak of each kind's summed resident size (PostgreSQL backends come and
    go, so their sum is what the machine had to hold)."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.seen: dict[int, tuple[str, int, str]] = {}
        self.kind_peak: dict[str, int] = defaultdict(int)

    def sample(self) -> None:
        totals: dict[str, int] = defaultdict(int)
        for pid, (kind, comm) in stack_processes(self.ports).items():
            hwm, rss = _memory(pid)
            if not hwm:
                continue
            previous = self.seen.get(pid, (kind, 0, comm))[1]
            self.seen[pid] = (kind, max(hwm, previous), comm)
            totals[kind] += rss
        for kind, total in totals.items():
            self.kind_peak[kind] = max(self.kind_peak[kind], total)

    def run(self, every: float) -> None:
        while True:
            self.sample()
            gevent.sleep(every)


# -- the server's own figures ---------------------------------------------------------------------


def scrape(host: str, token: str) -> dict[tuple[str, str], float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = requests.get(f"{host}/metrics", headers=headers, verify=False, timeout=10)  # noqa: S501
    except requests.RequestException:
        return {}
    if answer.status_code != 200:
        return {}
    samples = {}
    for line in answer.text.splitlines():
        if line.startswith("#") or not line:
            continue
        name_labels, _, value = line.rpartition(" ")
        name, _, labels = name_labels.partition("{")
        try:
            samples[(name, labels.rstrip("}"))] = float(value)
        except ValueError:
            continue
    return samples


def _label(labels: str, key: str) -> str:
    found = re.search(rf'{key}="([^"]*)"', labels)
    return found.group(1) if found else ""


def _quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """The q-quantile from cumulative histogram buckets (upper bound, count), interpolated
    linearly inside the bucket as Prometheus's histogram_quantile does."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            width = count - lower_count
            return lower_bound + (bound - lower_bound) * (
                (rank - lower_count) / width if width else 1
            )
        lower_bound, lower_count = bound, count
    return None


def server_figures(before: dict, after: dict, gauges_peak: dict[str, float]) -> list[str]:
    lines = []

    def delta(key):
        return after.get(key, 0.0) - before.get(key, 0.0)

    # Search latency by backend and operation (policy_transfer_search_seconds).
    searches: dict[tuple[str, str, str], dict] = defaultdict(lambda: {"buckets": []})
    for (name, labels), _value in after.items():
        if not name.startswith("policy_transfer_search_seconds"):
            continue
        key = (_label(labels, "backend"), _label(labels, "operation"), _label(labels, "outcome"))
        if name.endswith("_count"):
            searches[key]["count"] = delta((name, labels))
        elif name.endswith("_sum"):
            searches[key]["sum"] = delta((name, labels))
        elif name.endswith("_bucket"):
            bound = _label(labels, "le")
            searches[key]["buckets"].append(
                (float("inf") if bound == "+Inf" else float(bound), delta((name, labels)))
            )
    if searches:
        lines.append("search latency by backend (server side, policy_transfer_search_seconds):")
        for (backend, operation, outcome), figures in sorted(searches.items()):
            count = figures.get("count", 0)
            if count <= 0:
                continue
            p95 = _quantile(figures["buckets"], 0.95)
            lines.append(
                f"  {backend:14} {operation:32} {outcome:11} n={count:6.0f} "
                f"mean={1000 * figures.get('sum', 0) / count:7.1f} ms  "
                f"p95≈{1000 * (p95 or 0):7.1f} ms"
            )
    # Requests by status (django-prometheus).
    statuses: dict[str, float] = defaultdict(float)
    for (name, labels), _value in after.items():
        if name == "django_http_responses_total_by_status_total":
            statuses[_label(labels, "status")] += delta((name, labels))
    if statuses:
        shown = ", ".join(f"{s}: {n:.0f}" for s, n in sorted(statuses.items()) if n)
        lines.append(f"responses by status (django-prometheus): {shown}")
    for gauge in (
        "policy_transfer_outbox_rows",
        "policy_transfer_outbox_lag_seconds",
        "policy_transfer_mails_waiting",
        "policy_transfer_celery_queue_length",
        "policy_transfer_elasticsearch_up",
    ):
        now = [v for (n, _l), v in after.items() if n == gauge]
        if now or gauge in gauges_peak:
            lines.append(
                f"{gauge}: at the end {sum(now):.1f}, peak during the run "
                f"{gauges_peak.get(gauge, 0):.1f}"
            )
    return lines


# -- the run ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="https://127.0.0.1:8443")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--mix", default="visitor=7,member=2,broker=1")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD)
    parser.add_argument("--metrics-token", default=os.environ.get("METRICS_TOKEN", ""))
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PG_PORT", 5432)))
    parser.add_argument("--es-port", type=int, default=int(os.environ.get("ES_PORT", 9200)))
    parser.add_argument("--redis-port", type=int, default=int(os.environ.get("REDIS_PORT", 6379)))
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    parser.add_argument(
        "--app-port",
        type=int,
        default=int(os.environ.get("GUNICORN_PORT", 8000)),
        help="gunicorn's port behind nginx, for its memory (make run-full: 8000)",
    )
    parser.add_argument(
        "--ca",
        default=os.path.join(
            os.environ.get("POLICY_TRANSFER_RUN_DIR")
            or os.path.join(tempfile.gettempdir(), "policy-transfer-run"),
            "nginx/tls/cert.pem",
        ),
        help="certificate to trust for https (default: the one make run-full made)",
    )
    args = parser.parse_args()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    host = args.host.rstrip("/")
    OPTIONS["password"] = args.password
    # make run-full's certificate is self-signed: trust it. requests and Locust's sessions read
    # REQUESTS_CA_BUNDLE, which wins over `verify=False` when a machine sets it to its own bundle.
    if host.startswith("https") and os.path.exists(args.ca):
        os.environ["REQUESTS_CA_BUNDLE"] = args.ca

    weights = {}
    for part in args.mix.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in KINDS:
            sys.exit(f"--mix: unknown kind {kind!r} (visitor, member, broker)")
        weights[kind.strip()] = int(weight or 1)
    classes = []
    for kind, weight in weights.items():
        if weight > 0:
            KINDS[kind].weight = weight
            classes.append(KINDS[kind])

    prepare(host)
    server_port = urllib.parse.urlparse(host).port or (443 if host.startswith("https") else 80)
    ports = {
        "server": server_port,
        # Behind nginx (make run-full), the app's gunicorn listens on its own port.
        "app": args.app_port,
        "postgres": args.pg_port,
        "elasticsearch": args.es_port,
        "redis": args.redis_port,
    }
    sampler = MemorySampler(ports)
    sampler.sample()
    if not any(kind in ("gunicorn", "server") for kind, *_ in sampler.seen.values()):
        print(f"note: no process listens on port {server_port} here; memory of the server not read")

    before = scrape(host, args.metrics_token)
    if not before:
        print(
            "note: /metrics did not answer (METRICS_ALLOWED_IPS or --metrics-token); no server figures"
        )
    gauges_peak: dict[str, float] = {}

    def watch_gauges() -> None:
        while True:
            for (name, _labels), value in scrape(host, args.metrics_token).items():
                if name.startswith("policy_transfer_") and not name.startswith(
                    "policy_transfer_search_seconds"
                ):
                    gauges_peak[name] = max(gauges_peak.get(name, 0.0), value)
            gevent.sleep(5)

    env = Environment(user_classes=classes, host=host)
    runner = env.create_local_runner()
    print(
        f"{args.users} users ({args.mix}) for {args.duration:.0f} s against {host}, "
        f"{len(CATALOGUE['practices'])} practices, {len(CATALOGUE['members'])} cities with members"
    )
    started = time.monotonic()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    helpers = [gevent.spawn(sampler.run, 2.0), gevent.spawn(watch_gauges)]
    gevent.spawn_later(args.duration, runner.quit)
    runner.greenlet.join()
    elapsed = time.monotonic() - started
    gevent.killall(helpers)
    sampler.sample()
    after = scrape(host, args.metrics_token)

    print(f"\nclient side ({elapsed:.0f} s):")
    print(f"  {'request':30} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    report = {"requests": {}, "memory": {}, "server": {}}
    for (name, _method), entry in sorted(env.stats.entries.items()):
        rps = entry.num_requests / elapsed
        p50 = entry.get_response_time_percentile(0.5) or 0
        p95 = entry.get_response_time_percentile(0.95) or 0
        print(
            f"  {name:30} {entry.num_requests:7d} {rps:7.2f} {p50:8.0f} {p95:8.0f} "
            f"{entry.num_failures:7d}"
        )
        report["requests"][name] = {
            "count": entry.num_requests, "rps": round(rps, 2), "p50_ms": p50, "p95_ms": p95,
            "errors": entry.num_failures,
        }  # fmt: skip
    total = env.stats.total
    p95_all = total.get_response_time_percentile(0.95) or 0
    print(
        f"  {'all':30} {total.num_requests:7d} {total.num_requests / elapsed:7.2f} "
        f"{total.get_response_time_percentile(0.5) or 0:8.0f} {p95_all:8.0f} {total.num_failures:7d}"
    )
    searches = sum(e.num_requests for (n, _m), e in env.stats.entries.items() if "search" in n)
    print(f"  searches per second (page + API): {searches / elapsed:.2f}")
    for error in list(env.stats.errors.values())[:10]:
        print(f"  error: {error.method} {error.name}: {error.error} x{error.occurrences}")

    print("\npeak memory of each process (VmHWM; MB):")
    for pid, (kind, hwm, comm) in sorted(sampler.seen.items(), key=lambda i: (i[1][0], i[0])):
        print(f"  {kind:16} pid {pid:7d} {comm:18} {hwm / 1024:8.1f}")
        report["memory"][f"{kind} {pid}"] = round(hwm / 1024, 1)
    print("peak of the summed resident memory of each kind, sampled every 2 s (MB):")
    for kind, peak in sorted(sampler.kind_peak.items()):
        print(f"  {kind:16} {peak / 1024:8.1f}")

    if before and after:
        print()
        for line in server_figures(before, after, gauges_peak):
            print(line)
            report["server"].setdefault("lines", []).append(line)
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
