import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search.backends.base import SearchUnavailable
from search.sync import RebuildLocked, search_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index into a fresh index, swap the alias in one call, drop the old "
        "index and catch up with changes made meanwhile. Search keeps serving throughout."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            count, caught_up = search_rebuild()
        except RebuildLocked as exc:
            raise CommandError(str(exc)) from exc
        except SearchUnavailable as exc:
            raise CommandError(f"{exc}. The previous index is still in use.") from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Indexed {count} practices in {elapsed:.1f} s ({count / max(elapsed, 0.001):.0f}/s); "
            f"caught up {caught_up} change(s) made meanwhile."
        )
