"""Personal API tokens.

A token is shown once, when it is created; the database keeps only its SHA-256 digest (a
token is 256 random bits, so a fast hash is enough: there is nothing to brute-force, unlike a
password) and its first characters, so that a user can tell their tokens apart in a list.

Why not django-rest-knox: it stores digests too, but its tokens have no name and its views log
in with HTTP basic auth; partners asked for named tokens they can list and revoke one by one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
