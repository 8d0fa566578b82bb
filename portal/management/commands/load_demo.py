from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from accounts.models import User
from portal.demo import DEMO_DOMAIN, demo_load
from portal.demo_curated import (
    CorpusError,
    demo_curated_covers,
    demo_curated_exchanges,
    demo_curated_load,
)


class Command(BaseCommand):
    help = (
        "Create the demo: the curated practices of portal/demo_corpus (through the import), "
        "their cities as members with accounts, completed and evaluated exchanges, staff "
        "accounts and open exchange requests. Idempotent. --practices N adds N generated "
        "practices (benchmark data: --practices 100000)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--practices", type=int, default=0, help="generated practices to add (0)"
        )
        parser.add_argument("--cities", type=int, default=150, help="member cities at least")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--no-curated", action="store_true", help="generated practices only (benchmarks)"
        )
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

        curated = None
        # The demo's exchanges go through the real services, which mail their participants:
        # those mails stay in memory rather than fill the terminal of `make run`.
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        try:
            quiet.enable()
            if not options["no_curated"]:
                curated = demo_curated_load(password=settings.DEMO_PASSWORD)
            report = demo_load(
                practices=options["practices"],
                member_cities=options["cities"],
                seed=options["seed"],
                progress=progress if options["practices"] >= 5000 else None,
            )
            if curated is not None:
                broker = User.objects.get(email=f"broker@{DEMO_DOMAIN}")
                demo_curated_exchanges(broker=broker, report=curated)
                editor = User.objects.get(email=f"editor@{DEMO_DOMAIN}")
                demo_curated_covers(by=editor, report=curated)
        except (LookupError, CorpusError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            quiet.disable()
        if curated is not None:
            self.stdout.write(
                f"Curated practices: {curated.created} created, {curated.updated} updated, "
                f"{curated.unchanged} unchanged, from {curated.cities} cities; "
                f"{curated.exchanges_created} evaluated exchanges created; "
                f"{curated.covers_created} covers drawn."
            )
        self.stdout.write(
            f"{report.member_cities} member cities; generated practices: "
            f"{report.practices_created} created, {report.practices_existing} already there; "
            f"{report.requests_created} exchange requests created."
        )
        self.stdout.write(f"Demo accounts (password: {settings.DEMO_PASSWORD}):")
        accounts = report.accounts + (curated.accounts if curated else [])
        for email, role in dict(accounts).items():
            self.stdout.write(f"  {email:55} {role}")
