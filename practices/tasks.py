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
