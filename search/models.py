"""What the search app keeps in the database besides the index: the rebuild lock.

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
