"""Sending e-mail at most once per key (see accounts.models.EmailDelivery)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import EmailDelivery


def email_send_once(
    *, key: str, to: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> bool:
    """Send unless a mail with this key was already claimed. Returns True when it sent now.
    `headers` are added to the mail's (List-Unsubscribe for digests, following.digests)."""
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(key=key[:200], to=to, subject=subject[:300])
    except IntegrityError:
        return False
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        # The same Message-ID on any resend lets a mail server drop a duplicate too.
        headers={**(headers or {}), "Message-ID": f"<{key.replace(':', '.')}@policy-transfer>"},
    )
    try:
        message.send(fail_silently=False)
    except Exception:
        # The server refused or could not be reached: release the claim so a retry sends it.
        EmailDelivery.objects.filter(pk=delivery.pk).delete()
        raise
    EmailDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    return True
