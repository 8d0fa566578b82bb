from typing import Any

from django.core.management.base import BaseCommand, CommandError

from practices.vectors import vectors_pending, vectors_sweep


class Command(BaseCommand):
    help = (
        "Compute the sentence vectors of practices that have none or whose text changed, and "
        "queue those practices for the index. Idempotent: a second run computes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=1_000_000, help="practices per run")

    def handle(self, *args: Any, **options: Any) -> None:
        report = vectors_sweep(limit=options["limit"])
        self.stdout.write(
            f"{report.computed} vector(s) computed for {len(report.practice_ids)} practice(s)"
            f"; {report.unchanged} already current."
        )
        if report.failed:
            raise CommandError(
                f"{report.failed} vector(s) could not be computed: the embedder is unavailable "
                "(see the log). Search stays lexical for those practices; run this again later."
            )
        missing, stale = vectors_pending(published_only=False)
        if missing or stale:
            self.stdout.write(f"{len(missing) + len(stale)} practice(s) left for the next run.")
