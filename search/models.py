"""The search outbox: one row per practice whose search document may have changed.

Services write a row in the same transaction as the change; the search sync drains the table
(re-reading each practice) so the index catches up even if the task queue or the search engine
was down when the change was made. The draining side is search/sync.py.
"""

from django.db import models


class SearchOutbox(models.Model):
    practice_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"practice {self.practice_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class SearchLock(models.Model):
    """Held by a rebuild; while it exists the outbox is not drained into the old index."""

    name = models.CharField(max_length=50, unique=True)
    acquired_at = models.DateTimeField(auto_now_add=True)
    holder = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} since {self.acquired_at:%Y-%m-%d %H:%M:%S}"
