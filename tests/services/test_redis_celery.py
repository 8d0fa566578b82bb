"""A task sent through the real Redis broker is run by a real Celery worker process."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.support import service_url

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    broker = service_url("redis")
    backend = broker.rsplit("/", 1)[0] + "/1"
    queue = f"smoke-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Not the current app (see tests/ops/test_observability.py, worker_log).
        yield Celery(broker=broker, backend=backend, set_as_current=False), queue, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_task_round_trip_through_redis_and_a_worker(worker):
    sender, queue, process = worker
    token = uuid.uuid4().hex
    result = sender.send_task("config.ping", args=[token], queue=queue)
    try:
        assert result.get(timeout=60) == token
    except Exception:
        process.terminate()
        print(process.communicate(timeout=30)[0])
        raise
    assert result.successful()
    process.terminate()
    output = process.communicate(timeout=30)[0]
    # the worker's own log shows it received and ran the task: it was not eager
    assert f"Task config.ping[{result.id}] received" in output
    assert f"Task config.ping[{result.id}] succeeded" in output
