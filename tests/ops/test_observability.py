"""Request ids, structured logs, the metrics endpoint and the health endpoints (ops/,
core/observability.py), on the real services: readiness is tried against the test's
PostgreSQL, Elasticsearch and Redis, and against addresses where nothing listens (never by
stopping the shared services)."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from datetime import timedelta

import pytest
import redis
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import EmailDelivery
from core.observability import ContextFilter, JsonFormatter, RequestIdMiddleware, request_id_get
from practices.models import SearchOutbox
from tests.support import service_url

pytestmark = pytest.mark.django_db

NOWHERE = "127.0.0.1:9"  # the discard port: nothing listens there on the test machines


def metric(text: str, name: str, labels: str = "") -> float | None:
    """The value of one sample in the Prometheus text format."""
    pattern = re.escape(name) + (r"\{" + labels + r"[^}]*\}" if labels else r"(?:\{[^}]*\})?")
    found = re.search(rf"^{pattern} (?P<value>[0-9.e+-]+)$", text, re.MULTILINE)
    return float(found.group("value")) if found else None


# -- request id and the request log line -------------------------------------------------------


@pytest.fixture
def json_log():
    """The log lines as the production console handler writes them (settings.LOGGING with
    DJANGO_LOG_FORMAT=json: ContextFilter, then JsonFormatter), parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_well_formed_incoming_request_id_is_kept_and_returned(client, json_log):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="lb-1234.abc_DEF")
    assert response["X-Request-ID"] == "lb-1234.abc_DEF"
    (line,) = [e for e in json_log() if e["logger"] == "policy_transfer.request"]
    assert line["request_id"] == "lb-1234.abc_DEF"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/health/live", 200)
    assert line["message"] == "GET /health/live 200"
    assert 0 <= line["duration_ms"] < 60_000
    assert line["client"] == "127.0.0.1"


@pytest.mark.parametrize(
    "incoming", [None, "", "two words", "x" * 65, "id\nFAKE LOG LINE", "ид", "a/b"]
)
def test_a_missing_or_malformed_request_id_is_replaced(client, incoming):
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    response = client.get("/health/live", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/health/live")["X-Request-ID"] != response["X-Request-ID"]


def test_every_log_line_of_a_request_and_its_eager_tasks_carries_the_id(json_log):
    from config.celery import ping

    def view(request):
        logging.getLogger("some.view").info("inside the view")
        ping.delay("eager")  # no broker in the tests: the task runs here, inside the request
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-42"))
    assert response["X-Request-ID"] == "req-42"
    lines = {e["message"]: e for e in json_log()}
    assert lines["inside the view"]["request_id"] == "req-42"
    assert lines["ping eager"]["request_id"] == "req-42"
    assert lines["ping eager"]["task_name"] == "config.ping"
    assert lines["GET /x 200"]["request_id"] == "req-42"
    assert request_id_get() is None  # reset once the request is answered
    logging.getLogger("some.view").info("after")
    assert {e["message"]: e for e in json_log()}["after"]["request_id"] == "-"


def test_the_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord(
        "policy_transfer.request", logging.INFO, "", 0, "GET %s", ("/",), None
    )
    record.request_id = "abc"
    record.status = 200
    record.duration_ms = 12.5
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /"
    assert entry["request_id"] == "abc"
    assert (entry["status"], entry["duration_ms"], entry["level"]) == (200, 12.5, "INFO")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_the_request_id_follows_a_task_to_a_real_worker(worker_log):
    """Through Redis to a worker process of its own, which logs JSON lines: the task's lines
    carry the id of the request that queued it."""
    send, output = worker_log
    token = uuid.uuid4().hex

    def view(request):
        send("config.ping", token)
        return HttpResponse("queued")

    RequestIdMiddleware(view)(RequestFactory().get("/q", HTTP_X_REQUEST_ID="from-the-edge-7"))
    lines = [json.loads(line) for line in output() if line.startswith("{")]
    (ping,) = [e for e in lines if e["message"] == f"ping {token}"]
    assert ping["request_id"] == "from-the-edge-7"
    assert ping["task_name"] == "config.ping"
    assert ping["logger"] == "config.celery"


@pytest.fixture
def worker_log():
    import os
    import subprocess
    import sys

    from celery import Celery

    from tests.support import ROOT

    broker = service_url("redis")
    backend = broker.rsplit("/", 1)[0] + "/1"
    queue = f"reqid-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "DJANGO_DEBUG": "1",
        "DJANGO_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
    command += ["--concurrency", "1", "--pool", "solo", "--without-heartbeat", "--without-gossip"]
    command += ["--without-mingle", "--loglevel", "INFO"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Not the current app: tasks queued later in this process (shared_task resolves the current
    # app) would go through its Redis result backend, which waits forever once Redis is stopped.
    sender = Celery(broker=broker, backend=backend, set_as_current=False)
    results = []

    def send(name, value):
        results.append(sender.send_task(name, args=[value], queue=queue))

    def output():
        for result in results:
            result.get(timeout=60)
        process.terminate()
        return process.communicate(timeout=30)[0].splitlines()

    try:
        yield send, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


test_the_request_id_follows_a_task_to_a_real_worker = pytest.mark.redis(
    test_the_request_id_follows_a_task_to_a_real_worker
)


# -- health -------------------------------------------------------------------------------------


def test_liveness_checks_nothing(client, django_assert_num_queries, settings):
    settings.ELASTICSEARCH_URL = f"http://{NOWHERE}"
    settings.CELERY_BROKER_URL = f"redis://{NOWHERE}/0"
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.postgres
@pytest.mark.elasticsearch
@pytest.mark.redis
def test_ready_when_every_configured_dependency_answers(client, settings):
    settings.ELASTICSEARCH_URL = service_url("elasticsearch")
    settings.CELERY_BROKER_URL = service_url("redis")
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready" and body["down"] == []
    assert set(body["checks"]) == {"database", "elasticsearch", "redis"}
    assert body["checks"]["database"]["detail"] == "postgresql"
    assert body["checks"]["elasticsearch"]["detail"] in ("green", "yellow")


def test_ready_checks_only_what_is_configured(client, settings):
    settings.ELASTICSEARCH_URL = ""
    settings.CELERY_BROKER_URL = ""
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database"}


@pytest.mark.parametrize(
    "setting, value, down",
    [
        ("ELASTICSEARCH_URL", f"http://{NOWHERE}", "elasticsearch"),
        ("CELERY_BROKER_URL", f"redis://{NOWHERE}/0", "redis"),
    ],
)
def test_not_ready_names_the_dependency_that_is_down(client, settings, setting, value, down):
    settings.ELASTICSEARCH_URL = ""
    settings.CELERY_BROKER_URL = ""
    setattr(settings, setting, value)
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == [down]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"][down]["ok"] is False
    assert "9" not in body["checks"][down]["detail"]  # the error's class, never its address


# PostgreSQL: the database is made unreachable by pointing its connection at a closed port,
# which an SQLite file does not have (make check failed on it).
@pytest.mark.postgres
def test_not_ready_when_the_database_is_down(client, settings):
    from django.db import connection

    settings.ELASTICSEARCH_URL = ""
    settings.CELERY_BROKER_URL = ""
    # The check's own connection, not the test's: a closed one whose next connect fails.
    original = connection.settings_dict["PORT"], connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", "9"
    try:
        response = client.get("/health/ready")
    finally:
        connection.close()
        connection.settings_dict["PORT"], connection.settings_dict["HOST"] = original
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]


# -- metrics -------------------------------------------------------------------------------------


def test_metrics_are_refused_to_other_addresses_and_wrong_tokens(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.0.0/8"]
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.3.4").status_code == 200
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outsider).status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-tokeN", **outsider)
    assert wrong.status_code == 403
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", **outsider)
    assert right.status_code == 200
    # A forged X-Forwarded-For is not read without a trusted proxy in front.
    settings.TRUSTED_PROXY_COUNT = 0
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1", **outsider).status_code == 403
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **outsider).status_code == 403


def test_metrics_report_outbox_lag_and_mails_waiting(client, settings):
    settings.ELASTICSEARCH_URL = ""
    settings.CELERY_BROKER_URL = ""
    text = client.get("/metrics").content.decode()
    assert metric(text, "policy_transfer_outbox_rows") == 0
    assert metric(text, "policy_transfer_outbox_lag_seconds") == 0
    assert metric(text, "policy_transfer_mails_waiting") == 0
    assert metric(text, "policy_transfer_elasticsearch_up") is None  # not configured

    SearchOutbox.objects.create(practice_id=1)
    SearchOutbox.objects.create(practice_id=2)
    SearchOutbox.objects.filter(practice_id=1).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    EmailDelivery.objects.create(key="k1", to="a@example.org", subject="s")
    EmailDelivery.objects.create(key="k2", to="b@example.org", subject="s", sent_at=timezone.now())
    text = client.get("/metrics").content.decode()
    assert metric(text, "policy_transfer_outbox_rows") == 2
    assert 300 <= metric(text, "policy_transfer_outbox_lag_seconds") < 400
    assert metric(text, "policy_transfer_mails_waiting") == 1
    # django-prometheus's own request metrics are there too
    assert "django_http_requests_total_by_method_total" in text


def test_metrics_time_searches_by_backend(client, settings):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    name = "policy_transfer_search_seconds_count"
    labels = 'backend="database",operation="searching",outcome="ok"'
    before = metric(client.get("/metrics").content.decode(), name, labels) or 0
    assert client.get("/en/search/?q=bus").status_code == 200
    assert client.get("/api/v1/practices/?q=bus").status_code == 200
    after = metric(client.get("/metrics").content.decode(), name, labels)
    assert after == before + 2


@pytest.mark.elasticsearch
def test_metrics_say_whether_elasticsearch_answers(client, settings):
    settings.ELASTICSEARCH_URL = service_url("elasticsearch")
    assert metric(client.get("/metrics").content.decode(), "policy_transfer_elasticsearch_up") == 1
    settings.ELASTICSEARCH_URL = f"http://{NOWHERE}"
    assert metric(client.get("/metrics").content.decode(), "policy_transfer_elasticsearch_up") == 0


@pytest.mark.redis
def test_metrics_count_the_messages_waiting_in_the_celery_queue(client, settings):
    queue = f"depth-{uuid.uuid4().hex}"
    settings.CELERY_BROKER_URL = service_url("redis")
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.ELASTICSEARCH_URL = ""
    broker = redis.Redis.from_url(service_url("redis"))
    try:
        broker.rpush(queue, "m1", "m2", "m3")
        broker.rpush(queue + "\x06\x166", "urgent")
        text = client.get("/metrics").content.decode()
        assert metric(text, "policy_transfer_celery_queue_length", f'queue="{queue}"') == 4
    finally:
        broker.delete(queue, queue + "\x06\x166")
        broker.close()
