"""Saved searches, their digests and bookmarks.

A saved search keeps the search page's query string, normalised (following.services
saved_search_normalise): the same search saved twice by one user is one row. Its digest
frequency is `none` (kept for the user to run again), `daily` or `weekly`.

A digest is sent at most once per (saved search, period): DigestClaim is that row, with a
unique constraint. Each run claims before it mails, inside one transaction per user; a second
run, before or during the first, waits on the unique index and then finds the claim taken
(following.digests says more).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    class Frequency(models.TextChoices):
        NONE = "none", _("no e-mail")
        DAILY = "daily", _("daily e-mail")
        WEEKLY = "weekly", _("weekly e-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=120)
    query = models.CharField(_("search"), max_length=2000, blank=True)
    frequency = models.CharField(
        _("e-mail digest"), max_length=6, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Practices published from this moment on are news for the next digest: set when the
    # search is saved (what the user saw then is not news) and moved to the end of the window
    # each digest covered.
    news_since = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "query"], name="saved_search_once_per_user"),
        ]
        indexes = [models.Index(fields=["frequency", "user"])]

    def __str__(self) -> str:
        return self.name


class DigestClaim(models.Model):
    """One digest period of one saved search, claimed by the run that mails it."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="claims")
    # "daily:2026-12-01" or "weekly:2026-W49", in settings.TIME_ZONE.
    period = models.CharField(max_length=20)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    practice_ids = models.JSONField(default=list)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "period"], name="digest_once_per_search_and_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id} {self.period}"


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.CASCADE, related_name="bookmarks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="bookmark_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.practice_id}"
