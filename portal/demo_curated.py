"""The curated demo (issue 16): real-world kinds of practice, written by the project, loaded the
way real content arrives.

The corpus lives in `portal/demo_corpus/`:
- `practices-*.jsonl`: one practice per line in the import format (practices/importing.py),
  each with the full case template, its original language, translations for about a third,
  status, years, budget, main actors, contacts and awards. Every sentence is the project's own.
- `cities-*.json`: for each city of those practices ("Name|CC"), a short description, its
  working languages and a few indicators.
- `exchanges.json`: a few exchanges between those cities, taken through the real workflow to
  their evaluation (who asked, which practice helped, what the two cities said).

`demo_curated_load` makes the cities members, loads the practices through `practices_import`
(the demo exercises the import path: identity by source URL, review steps as the "import"
actor), leaves every REVIEW_EVERY-th practice in the editors' review queue, creates accounts
for ACCOUNT_CITIES cities and runs the exchanges through exchanges.services. It is idempotent:
a second run imports nothing new ("unchanged") and finds its exchanges already there.
`demo_curated_covers` then gives every curated practice without a cover one the project draws
(portal/covers.py), through the attachment service, so the covers have their thumbnails.

The generated demo (portal.demo.demo_load, 300 to 100,000 practices from a few templates)
stays for the benchmarks and tests that need volume.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import User
from cities.models import City, CityIndicator, CityMembership
from cities.services import city_membership_set
from exchanges.models import ExchangeRequest, Match
from exchanges.services import (
    RequestData,
    exchange_evaluate,
    exchange_request_create,
    exchange_request_propose,
    exchange_request_take,
    exchange_step,
)
from practices.importing import practices_import
from practices.models import Challenge, Practice
from practices.services import practice_attachment_add

from .covers import cover_alt_text, cover_image

CORPUS = Path(__file__).resolve().parent / "demo_corpus"
# One practice in this many is imported without --publish: it waits in the review queue, so
# that an editor signing in to the demo has something to review.
REVIEW_EVERY = 25
# Cities whose people have accounts (a practitioner and an official each), first in corpus
# order among those with the most practices.
ACCOUNT_CITIES = 12

FIRST_NAMES = {
    "en": ["Grace", "Daniel", "Priya", "Samuel", "Aisha", "Tom", "Mei", "Kwame", "Laura", "Ravi"],
    "fr": ["Camille", "Moussa", "Élodie", "Yacine", "Aminata", "Julien", "Fatou", "Louis"],
    "es": ["Lucía", "Mateo", "Valentina", "Andrés", "Camila", "Diego", "Paula", "Javier"],
}
LAST_NAMES = {
    "en": ["Mensah", "Okafor", "Sharma", "Nguyen", "Walker", "Tan", "Owusu", "Reyes", "Kim"],
    "fr": ["Diallo", "Lefèvre", "Ndiaye", "Moreau", "Traoré", "Bernard", "Haddad", "Girard"],
    "es": ["García", "Rodríguez", "Martínez", "López", "Herrera", "Castillo", "Vargas", "Ruiz"],
}


class CorpusError(Exception):
    """The corpus in the repository is wrong (a test keeps it right)."""


@dataclass
class CuratedReport:
    cities: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    exchanges_created: int = 0
    covers_created: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)
    # What demo_curated_exchanges works with: the corpus cities by "Name|CC", and their people.
    members: dict[str, City] = field(default_factory=dict)
    people: dict[str, dict[str, User]] = field(default_factory=dict)


def corpus_lines() -> list[str]:
    return [
        line
        for path in sorted(CORPUS.glob("practices-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def corpus_cities() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(CORPUS.glob("cities-*.json")):
        out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


def _city(key: str) -> City:
    name, _, iso2 = key.rpartition("|")
    city = City.objects.filter(name=name, country__iso2=iso2).order_by("-population").first()
    if city is None:
        raise CorpusError(f"no reference city {key!r}: run load_cities, or fix the corpus")
    return city


def _ensure_cities(report: CuratedReport) -> dict[str, City]:
    cities: dict[str, City] = {}
    for n, (key, data) in enumerate(sorted(corpus_cities().items())):
        city = _city(key)
        city.member_status = City.MemberStatus.ACTIVE
        city.member_since = city.member_since or date(1985 + (n * 7) % 39, 1, 1)
        city.description = data.get("description", "")
        city.languages = data.get("languages") or city.languages or ["en"]
        city.open_to_exchanges = n % 5 != 4
        city.save(
            update_fields=[
                "member_status",
                "member_since",
                "description",
                "languages",
                "open_to_exchanges",
            ]
        )
        for indicator in data.get("indicators", []):
            CityIndicator.objects.update_or_create(
                city=city,
                name=indicator["name"],
                year=indicator.get("year"),
                defaults={
                    "value": Decimal(str(indicator["value"])),
                    "unit": indicator.get("unit", ""),
                    "source": indicator.get("source", ""),
                },
            )
        cities[key] = city
    report.cities = len(cities)
    return cities


def _import(report: CuratedReport) -> None:
    lines = corpus_lines()
    batches = (
        ([line for n, line in enumerate(lines) if n % REVIEW_EVERY != REVIEW_EVERY - 1], True),
        ([line for n, line in enumerate(lines) if n % REVIEW_EVERY == REVIEW_EVERY - 1], False),
    )
    for batch, publish in batches:
        result = practices_import(lines=batch, publish=publish)
        if result.errors:
            raise CorpusError(
                "the demo corpus has bad lines: "
                + "; ".join(f"{n}: {reason}" for n, reason in result.errors[:5])
            )
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged


def _person(city: City, role: str, n: int, password: str) -> User:
    email = f"{role}.{city.slug}@demo.metropolis.test"
    user = User.objects.filter(email=email).first()
    lang = (city.languages or ["en"])[0]
    lang = lang if lang in FIRST_NAMES else "en"
    if user is None:
        user = User.objects.create_user(
            email,
            password,
            first_name=FIRST_NAMES[lang][n % len(FIRST_NAMES[lang])],
            last_name=LAST_NAMES[lang][(n * 3 + 1) % len(LAST_NAMES[lang])],
        )
    if user.preferred_language != lang:
        user.preferred_language = lang
        user.save(update_fields=["preferred_language"])
    city_membership_set(user=user, city=city, role=role)
    return user


def _ensure_people(
    cities: dict[str, City], password: str, report: CuratedReport
) -> dict[str, dict[str, User]]:
    counts = {
        key: Practice.objects.filter(city=city).count() for key, city in sorted(cities.items())
    }
    chosen = sorted(counts, key=lambda key: -counts[key])[:ACCOUNT_CITIES]
    needed = {e["requester"] for e in _exchanges()} | {e["peer"] for e in _exchanges()}
    people: dict[str, dict[str, User]] = {}
    for n, key in enumerate([*chosen, *sorted(needed - set(chosen))]):
        city = cities[key]
        people[key] = {
            role: _person(city, role, n * 2 + i, password)
            for i, role in enumerate(
                (CityMembership.Role.PRACTITIONER, CityMembership.Role.OFFICIAL)
            )
        }
        for role, user in people[key].items():
            report.accounts.append((user.email, f"{role} of {city.name}"))
    return people


def _exchanges() -> list[dict[str, Any]]:
    path = CORPUS / "exchanges.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _ensure_exchanges(
    cities: dict[str, City], people: dict[str, dict[str, User]], broker: User, report: CuratedReport
) -> None:
    """Each exchange of exchanges.json, from the request to both evaluations, through the
    services a user's clicks go through (so the history, the adoption count and the mails
    are what the platform makes of them)."""
    for item in _exchanges():
        requester, peer = cities[item["requester"]], cities[item["peer"]]
        practice = Practice.objects.get(source_url=item["practice"])
        if ExchangeRequest.objects.filter(city=requester, need=item["need"]).exists():
            continue
        asking = people[item["requester"]]
        answering = people[item["peer"]]
        with transaction.atomic():
            request = exchange_request_create(
                by=asking[CityMembership.Role.OFFICIAL],
                city=requester,
                data=RequestData(
                    challenges=list(Challenge.objects.filter(slug__in=item["challenges"])),
                    need=item["need"],
                    formats=item.get("formats", ["study-visit"]),
                    languages=item.get("languages", []),
                    source_practice=practice,
                ),
            )
            exchange_request_take(request=request, by=broker)
            match = Match.objects.create(
                request=request,
                peer_city=peer,
                score=0.9,
                explanation={},
            )
            match.practices.set([practice])
            exchange = exchange_request_propose(request=request, by=broker, match=match)
            official = answering[CityMembership.Role.OFFICIAL]
            exchange = exchange_step(exchange=exchange, by=official, name="accept", note="")
            starts = date.fromisoformat(item["starts_on"])
            ends = date.fromisoformat(item["ends_on"])
            exchange = exchange_step(
                exchange=exchange, by=broker, name="schedule", starts_on=starts, ends_on=ends
            )
            exchange = exchange_step(exchange=exchange, by=broker, name="start")
            exchange = exchange_step(exchange=exchange, by=broker, name="complete")
            evaluations = (
                (
                    requester,
                    asking,
                    item["outcome"],
                    item.get("helped", ""),
                    item.get("hindered", ""),
                ),
                (peer, answering, "not_adopted", item.get("peer_helped", ""), ""),
            )
            for city, members, outcome, helped, hindered in evaluations:
                exchange_evaluate(
                    exchange=exchange,
                    by=members[CityMembership.Role.OFFICIAL],
                    city=city,
                    outcome=outcome,
                    practice=practice if outcome != "not_adopted" else None,
                    helped=helped,
                    hindered=hindered,
                )
        report.exchanges_created += 1


def demo_curated_load(*, password: str) -> CuratedReport:
    """Make the corpus cities members, import the practices and create the cities' accounts
    (see the module docstring). Needs the reference cities and the taxonomy (load_cities,
    migrate). `demo_curated_exchanges` then runs the exchanges, once a broker exists."""
    report = CuratedReport()
    report.members = _ensure_cities(report)
    _import(report)
    report.people = _ensure_people(report.members, password, report)
    return report


def demo_curated_exchanges(*, broker: User, report: CuratedReport) -> None:
    """The exchanges of exchanges.json, between the cities and people `report` (from
    demo_curated_load) holds."""
    _ensure_exchanges(report.members, report.people, broker, report)


def demo_curated_covers(*, by: User, report: CuratedReport) -> None:
    """A drawn cover (portal/covers.py) for every curated practice that has none, attached by
    `by` (an editor: the practices are already published) as a user's upload would be."""
    records = [json.loads(line) for line in corpus_lines()]
    urls = [record["source_url"] for record in records]
    first_topics = {r["source_url"]: (r.get("topics") or [""])[0] for r in records}
    bare = (
        Practice.objects.filter(source_url__in=urls, cover__isnull=True)
        .prefetch_related("challenges")
        .order_by("pk")
    )
    for practice in bare:
        challenges = list(practice.challenges.all())
        challenge = challenges[0].slug if challenges else ""
        # The corpus lists a practice's main topic first; stored tags are in slug order.
        topic = first_topics.get(practice.source_url, "")
        practice_attachment_add(
            practice=practice,
            by=by,
            upload=ContentFile(
                cover_image(seed=practice.source_url, challenge=challenge, topic=topic),
                name="cover.jpg",
            ),
            title="",
            alt_text=cover_alt_text(challenge=challenge, language=practice.language, topic=topic),
            as_cover=True,
        )
        report.covers_created += 1
