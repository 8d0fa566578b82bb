"""Celery tasks of the practices app: thin wrappers that load rows by id and call a service."""

from __future__ import annotations

from celery import shared_task

from .notifications import transition_emails_send


@shared_task(
    name="practices.send_transition_emails",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def send_transition_emails(transition_id: int) -> int:
    return transition_emails_send(transition_id=transition_id)


@shared_task(name="practices.sweep_transition_emails", ignore_result=True)
def sweep_transition_emails() -> int:
    """Send the mails of recent review steps whose task could not be queued (broker down) or
    died. Safe to repeat: each mail is claimed once (accounts.EmailDelivery)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import PracticeTransition

    now = timezone.now()
    recent = PracticeTransition.objects.filter(
        at__gte=now - timedelta(days=1), at__lte=now - timedelta(minutes=2)
    ).values_list("pk", flat=True)
    return sum(transition_emails_send(transition_id=pk) for pk in recent)


@shared_task(name="practices.sweep_vectors", ignore_result=True)
def sweep_vectors() -> int:
    """Compute the sentence vectors that are missing or stale (practices.vectors)."""
    from .vectors import vectors_sweep

    return vectors_sweep().computed
