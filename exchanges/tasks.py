from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .notifications import digest_send, notification_send


@shared_task(
    name="exchanges.send_notification",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def send_exchange_notification(kind: str, object_id: int) -> int:
    return notification_send(kind=kind, object_id=object_id)


@shared_task(name="exchanges.sweep_notifications", ignore_result=True)
def sweep_exchange_notifications() -> int:
    """Send what could not be queued (broker down); every mail is still sent at most once."""
    from .models import ExchangeEvent, ExchangeRequest

    now = timezone.now()
    window = {"at__gte": now - timedelta(days=1), "at__lte": now - timedelta(minutes=2)}
    sent = sum(
        notification_send(kind="exchange_event", object_id=pk)
        for pk in ExchangeEvent.objects.filter(**window).values_list("pk", flat=True)
    )
    recent = ExchangeRequest.objects.filter(
        created_at__gte=now - timedelta(days=1), created_at__lte=now - timedelta(minutes=2)
    )
    for pk in recent.values_list("pk", flat=True):
        sent += notification_send(kind="request_created", object_id=pk)
    return sent


@shared_task(name="exchanges.broker_digest", ignore_result=True)
def broker_digest() -> int:
    return digest_send()
