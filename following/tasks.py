from __future__ import annotations

from celery import shared_task

from .digests import digest_run


# A retry after a refused mail is safe: the claims of an unsent digest were rolled back with it
# (following.digests), and those already sent are not sent again.
@shared_task(
    name="following.send_digests", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_digests(frequency: str) -> int:
    return digest_run(frequency=frequency).mails
