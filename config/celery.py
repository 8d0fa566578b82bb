"""The Celery app. An empty CELERY_BROKER_URL makes every task run eagerly, in process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("policy_transfer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping(value: str = "pong") -> str:
    """A task with no side effect, used by the smoke test that proves a real worker runs."""
    return value
