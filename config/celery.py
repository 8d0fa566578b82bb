"""The Celery app. An empty CELERY_BROKER_URL makes every task run eagerly, in process."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("policy_transfer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
log = logging.getLogger(__name__)


@app.task(name="config.ping")
def ping(value: str = "pong") -> str:
    """A task with no side effect, used by the smoke tests that prove a real worker runs and
    that it logs with the request id of whoever queued the task."""
    log.info("ping %s", value)
    return value
