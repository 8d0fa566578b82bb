import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search.backends.base import SearchUnavailable
from search.sync import search_check


class Command(BaseCommand):
    help = "Compare the published practices with the search index; exit 1 on any difference."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = search_check()
        except SearchUnavailable as exc:
            raise CommandError(str(exc)) from exc
        for label, ids in (
            ("missing from the index", report.missing),
            ("in the index but not published", report.extra),
            ("out of date in the index", report.stale),
            ("with a language version that has no sentence vector", report.vector_missing),
            ("with a sentence vector older than its text", report.vector_stale),
        ):
            if ids:
                shown = ", ".join(map(str, ids[:50])) + (" …" if len(ids) > 50 else "")
                self.stdout.write(f"{len(ids)} practice(s) {label}: {shown}")
        if report.clean and report.vectors_clean:
            self.stdout.write("The index matches the database, and every vector is current.")
            return
        if report.clean:
            self.stdout.write(
                "The index matches the database; `manage.py vectors_refresh` computes the "
                "vectors listed above."
            )
        sys.exit(1)
