from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from practices.importing import practices_import


class Command(BaseCommand):
    help = (
        "Import practices from a JSON Lines file (one practice per line; see "
        "practices/importing.py). Idempotent by source URL; bad lines are reported and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish valid lines at once (trusted sources); otherwise they await review",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        with handle:
            report = practices_import(lines=handle, publish=options["publish"])
        for number, reason in report.errors:
            self.stderr.write(f"line {number}: {reason}")
        for number, what in report.kept:
            self.stdout.write(f"line {number}: {what}")
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} rejected."
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} line(s) rejected; the others were imported.")
