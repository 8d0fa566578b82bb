from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.demo import demo_load


class Command(BaseCommand):
    help = (
        "Create demo member cities, accounts for every role, practices and exchange requests. "
        "Idempotent and resumable. Use --practices 100000 for benchmark data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practices", type=int, default=300)
        parser.add_argument("--cities", type=int, default=150, help="member cities")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run even with DJANGO_DEBUG off (demo accounts share a known password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo accounts with DJANGO_DEBUG off: they share a known "
                "password. Pass --allow-production if this really is a throwaway installation."
            )
        if options["practices"] < 0 or options["cities"] < 1:
            raise CommandError("--practices must be 0 or more and --cities at least 1.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} practices")

        try:
            report = demo_load(
                practices=options["practices"],
                member_cities=options["cities"],
                seed=options["seed"],
                progress=progress if options["practices"] >= 5000 else None,
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.member_cities} member cities; practices: {report.practices_created} "
            f"created, {report.practices_existing} already there; "
            f"{report.requests_created} exchange requests created."
        )
        self.stdout.write(f"Demo accounts (password: {settings.DEMO_PASSWORD}):")
        for email, role in report.accounts:
            self.stdout.write(f"  {email:55} {role}")
