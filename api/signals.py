"""API tokens end with the password that made them possible.

Whenever a user's password changes (the password-reset link, the admin, `manage.py
changepassword`, any code that saves a new hash), every API token of that user still in use is
revoked in the same transaction: someone who learnt the password, or was handed a token while
they knew it, loses the API along with the web session, which Django already signs out. The
user makes new tokens (auth/token/) with the new password. Decided for revocation rather than
suspension: a token cannot be re-confirmed without the password anyway, and a revoked token
says why in the token list (revoked_at, the time of the change).

Hooked to the user model's save, so that no surface that changes a password can forget it;
saves that name their `update_fields` without "password" (the last-login stamp of each sign-in)
cost nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from .models import ApiToken

_CHANGED = "_api_password_changed"


def _note_password_change(sender: Any, instance: Any, update_fields: Any = None, **kw: Any) -> None:
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    setattr(instance, _CHANGED, stored is not None and stored != instance.password)


def _revoke_tokens(sender: Any, instance: Any, created: bool, **kw: Any) -> None:
    if getattr(instance, _CHANGED, False):
        setattr(instance, _CHANGED, False)
        ApiToken.objects.filter(user=instance, revoked_at=None).update(revoked_at=timezone.now())


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_note_password_change, sender=user_model, dispatch_uid="api-password-pre")
    post_save.connect(_revoke_tokens, sender=user_model, dispatch_uid="api-password-post")
