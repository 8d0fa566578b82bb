"""The metrics endpoint's content: django-prometheus's request metrics and the app's own
histograms (search.metrics) from the process registry, plus gauges computed when scraped.

Scraped gauges (read from the database, Redis and Elasticsearch at each scrape, by whichever
process answers, so they are the same whatever worker Prometheus reaches):
- `policy_transfer_outbox_rows` and `policy_transfer_outbox_lag_seconds`: the search outbox's
  undrained rows and the age of the oldest (the index is that far behind the database);
- `policy_transfer_mails_waiting`: e-mails claimed and not yet sent (accounts.EmailDelivery
  without `sent_at`);
- `policy_transfer_celery_queue_length{queue}`: messages waiting in the broker's queue, when the
  broker is Redis (the list's length, with kombu's priority sub-queues);
- `policy_transfer_elasticsearch_up`: 1 if the cluster answers and is not red, when configured.

Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR to an empty folder writable by them
(emptied at each start) and the counters and histograms of every worker are summed
(prometheus_client's multiprocess mode, which django-prometheus supports)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from accounts.models import EmailDelivery
from practices.models import SearchOutbox
from search.health import engine_configured, engine_status

from .health import TIMEOUT

log = logging.getLogger(__name__)

# kombu's Redis transport keeps messages of priorities other than the default in lists named
# queue + "\x06\x16" + step (its default priority steps).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class AppCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        for part in (self._outbox, self._mails, self._queue, self._engine):
            try:
                yield from part()
            except Exception:  # one dependency down must not take every metric with it
                log.warning("metrics: %s failed", part.__name__, exc_info=True)

    def _outbox(self) -> Iterator[Metric]:
        stats = SearchOutbox.objects.aggregate(oldest=Min("created_at"))
        rows = SearchOutbox.objects.count()
        yield GaugeMetricFamily(
            "policy_transfer_outbox_rows", "Search outbox rows not drained yet.", value=rows
        )
        oldest = stats["oldest"]
        lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "policy_transfer_outbox_lag_seconds",
            "Age of the oldest undrained search outbox row (0 when empty).",
            value=max(lag, 0.0),
        )

    def _mails(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "policy_transfer_mails_waiting",
            "E-mails claimed for sending and not sent yet.",
            value=EmailDelivery.objects.filter(sent_at__isnull=True).count(),
        )

    def _queue(self) -> Iterator[Metric]:
        broker = settings.CELERY_BROKER_URL
        if not broker.startswith(("redis://", "rediss://", "unix://")):
            return
        queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
        client = redis.Redis.from_url(
            broker, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
        )
        try:
            length = sum(int(client.llen(queue + suffix)) for suffix in _PRIORITY_SUFFIXES)
        finally:
            client.close()
        family = GaugeMetricFamily(
            "policy_transfer_celery_queue_length",
            "Task messages waiting in the broker's queue.",
            labels=["queue"],
        )
        family.add_metric([queue], length)
        yield family

    def _engine(self) -> Iterator[Metric]:
        if not engine_configured():
            return
        status = engine_status(timeout=TIMEOUT)
        yield GaugeMetricFamily(
            "policy_transfer_elasticsearch_up",
            "1 if the Elasticsearch cluster answers and is not red.",
            value=1 if status in ("green", "yellow") else 0,
        )


_APP_REGISTRY = CollectorRegistry(auto_describe=False)
_APP_REGISTRY.register(AppCollector())


def exposition() -> bytes:
    """The text format: the process (or, in multiprocess mode, every worker's) metrics, then
    the scraped gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_APP_REGISTRY)
