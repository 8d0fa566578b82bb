"""Run in a process of its own against the database the backup test controls (not the test
database pytest-django made): `python -m tests.ops.restore_data seed|snapshot|hits`.

`seed` fills it with practices in several languages, their files, a draft, exchanges and their
history; `snapshot` prints, as JSON, everything the backup must bring back, file bytes by their
SHA-256 read through the storage the app uses; `hits` how many practices the configured
search backend finds for an empty query, and its name."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def seed() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image

    from cities.models import CityMembership
    from practices.models import Practice
    from practices.services import practice_attachment_add
    from tests.factories import (
        CityFactory,
        ExchangeFactory,
        ExchangeRequestFactory,
        MembershipFactory,
        catalogue_practice,
    )

    city = CityFactory()
    author = MembershipFactory(city=city, role=CityMembership.Role.PRACTITIONER).user
    png = io.BytesIO()
    Image.new("RGB", (6, 5), "teal").save(png, "PNG")
    files = [("plan.png", png.getvalue()), ("rapport.pdf", b"%PDF-1.4\n% restore me\n%%EOF\n")]
    for number in range(6):
        practice = catalogue_practice(
            city,
            title=f"Night buses for shift workers {number}",
            summary="Buses every twenty minutes between midnight and five.",
            body="Women working night shifts asked for safer journeys home.",
            state="draft",
            translations={
                "fr": (f"Bus de nuit {number}", "Des bus toutes les vingt minutes.", "Corps."),
                "es": (f"Autobuses nocturnos {number}", "Autobuses cada veinte minutos.", "."),
            },
        )
        for name, content in files:
            practice_attachment_add(
                practice=practice, by=author, upload=SimpleUploadedFile(name, content)
            )
        if number:  # the first stays a draft, with its files
            Practice.objects.filter(pk=practice.pk).update(
                review_state="published", published_at=timezone.now()
            )
    ExchangeFactory()
    ExchangeFactory(match__request=ExchangeRequestFactory(taken=True, city=city))


def snapshot() -> dict:
    from accounts.models import User
    from exchanges.models import Exchange, ExchangeEvent, ExchangeRequest, Match
    from practices.models import Practice, PracticeAttachment

    def digest(attachment: PracticeAttachment) -> str:
        with attachment.file.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    return {
        "practices": {
            p.pk: {
                "state": p.review_state,
                "texts": {t.language_code: t.title for t in p.translations.all()},
            }
            for p in Practice.objects.prefetch_related("translations")
        },
        "attachments": {
            a.pk: [a.practice_id, a.file.name, a.original_name, digest(a)]
            for a in PracticeAttachment.objects.all()
        },
        "requests": dict(ExchangeRequest.objects.values_list("pk", "state")),
        "matches": dict(Match.objects.values_list("pk", "status")),
        "exchanges": dict(Exchange.objects.values_list("pk", "state")),
        "events": sorted(ExchangeEvent.objects.values_list("pk", flat=True)),
        "users": sorted(User.objects.values_list("email", flat=True)),
    }


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1] == "seed":
        seed()
    elif sys.argv[1] == "hits":
        from search.backends import get_backend
        from search.backends.base import SearchQuery

        backend = get_backend()
        print(backend.search(SearchQuery()).total, type(backend).__name__)
    else:
        print(json.dumps(snapshot(), sort_keys=True))
