"""What the search app keeps in the database besides the index: the rebuild lock and the
anonymous log of what was searched (search/querylog.py).

The outbox it drains belongs to `practices` (practices.models.SearchOutbox), the app whose
writes it records.
"""

from django.db import models


class SearchLock(models.Model):
    """Held by a rebuild; while it exists the outbox is not drained into the old index."""

    name = models.CharField(max_length=50, unique=True)
    acquired_at = models.DateTimeField(auto_now_add=True)
    holder = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} since {self.acquired_at:%Y-%m-%d %H:%M:%S}"


class SearchQueryDay(models.Model):
    """What was searched on one day, without who (search/querylog.py says why and how): one
    row per normalised query text, language and filters, with how many times it was searched
    and how many results the last of them found. Deleted after SEARCH_LOG_RETENTION_DAYS."""

    day = models.DateField()
    text = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=5)
    # The filters as query parameters in a fixed order ("challenge=x&region=002"), so the same
    # search is one row; the challenge and region chosen are also kept apart for grouping.
    filters = models.CharField(max_length=1000, blank=True)
    challenge = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=100, blank=True)
    searches = models.PositiveIntegerField(default=1)
    results = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "text", "language", "filters"], name="search_query_day_unique"
            )
        ]
        indexes = [models.Index(fields=["day"], name="search_query_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.text!r} ({self.language}, {self.filters}): {self.searches}"
