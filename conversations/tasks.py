from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .notifications import message_notify


@shared_task(
    name="conversations.send_message_notification",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def send_message_notification(message_id: int) -> int:
    return message_notify(message_id=message_id)


@shared_task(name="conversations.sweep_message_notifications", ignore_result=True)
def sweep_message_notifications() -> int:
    """Mail what could not be queued (broker down); each mail still goes at most once."""
    from .models import Message

    now = timezone.now()
    recent = Message.objects.filter(
        created_at__gte=now - timedelta(days=1), created_at__lte=now - timedelta(minutes=2)
    )
    return sum(message_notify(message_id=pk) for pk in recent.values_list("pk", flat=True))
