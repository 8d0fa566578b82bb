"""Importing practices from JSON Lines (`manage.py import_practices FILE`).

One practice per line:

    {"title": ..., "summary": ..., "sections": {"context": ..., ...}, "language": "fr",
     "city": {"name": "Lyon", "country": "FR"}, "challenges": ["sustainability"],
     "sdgs": [11], "topics": ["mobility"], "status": "ongoing", "start_year": 2019,
     "end_year": null, "source_url": "https://...",
     "main_actors": ..., "contacts": ..., "awards": ..., "budget_band": "1m-10m",
     "links": ["https://..."],
     "translations": {"en": {"title": ..., "summary": ..., "sections": {...},
                             "quality": "machine"}}}

Decisions:
- Every line is validated on its own; a bad line is reported with its number and reason and
  changes nothing; each good line is written in its own transaction (all of its rows or none).
- The source URL is the identity: a line whose URL is already known updates that practice
  (text, translations, tags, details) and never creates a second one; a line identical to what
  is stored changes nothing and is counted as unchanged.
- Without --publish a new practice enters the editors' review queue (state "submitted"); with
  --publish (trusted sources) it is published at once. An update keeps the practice's state,
  except that --publish publishes a practice that was not yet published.
- The city is found by name (or ASCII or alternate name, ignoring case) within the country.
- A translation's quality is "machine", "human_checked" or "original" (the source published
  that language itself); the default is "original".
- The import owns only what it brought (issue 14). Each language version it writes keeps a
  fingerprint of that text (`import_text_print`), the practice one of its details and tags
  (`import_details_print`). On a later run it rewrites a version, or deletes one the source no
  longer has, only when the stored text still matches its fingerprint; a version written on
  the platform (no fingerprint: an editor's translation) or edited there since is kept, and so
  are details or tags changed on the platform. Each thing kept is reported ("line N: kept …"),
  so the person running the import knows which source changes did not land. Practices imported
  before fingerprints existed are the import's once more, one last time (their next run sets
  the fingerprints).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils import timezone

from cities.models import City
from core.languages import LANGUAGE_CODES

from .models import (
    SECTION_NAMES,
    Challenge,
    Practice,
    PracticeTranslation,
    Sdg,
    Topic,
)
from .outbox import outbox_record
from .services import (
    MAX_YEAR,
    MIN_YEAR,
    PracticeData,
    PracticeText,
    practice_transition_by_import,
)

log = logging.getLogger(__name__)

REQUIRED = ("title", "summary", "language", "city", "challenges", "source_url")
# Optional details, as the editor has them: texts, a budget band, a list of links.
DETAILS = ("main_actors", "contacts", "awards", "budget_band", "links")
KNOWN = {
    *REQUIRED,
    "sections",
    "sdgs",
    "topics",
    "status",
    "start_year",
    "end_year",
    "translations",
    *DETAILS,
}


class LineError(Exception):
    pass


_EXAMPLES = {"challenges": '"sustainability"', "topics": '"mobility"'}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # (line, what the import left as the platform had it)
    kept: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ParsedLine:
    source_url: str
    language: str
    city: City
    text: PracticeText
    translations: dict[str, tuple[PracticeText, str]]
    challenges: list[Challenge]
    sdgs: list[Sdg]
    topics: list[Topic]
    status: str
    start_year: int | None
    end_year: int | None
    details: dict[str, Any] = field(default_factory=dict)


def _text(obj: Any, where: str) -> PracticeText:
    if not isinstance(obj, dict):
        raise LineError(f"{where} must be an object")
    sections = obj.get("sections") or {}
    if not isinstance(sections, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in sections.items()
    ):
        raise LineError(f"{where}: sections must map section names to text")
    for key in ("title", "summary"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise LineError(f"{where}: {key} is missing or empty")
    text = PracticeText(title=obj["title"], summary=obj["summary"], sections=sections)
    try:
        text.validate()
    except ValidationError as exc:
        reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise LineError(f"{where}: {reasons}") from exc
    return text


def _year(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise LineError(f"{name} must be a year between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _lookup(model: type[models.Model], field_name: str, values: Any, label: str) -> list:
    """The rows named by `values`, which must be a list of texts (slugs) or, for SDGs, of
    numbers from 1 to 17: anything else is refused here, before it reaches a query."""
    if not isinstance(values, list):
        raise LineError(f"{label} must be a list")
    if field_name == "number":
        if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 17 for v in values):
            raise LineError(f"{label} must be a list of numbers from 1 to 17")
    elif not all(isinstance(v, str) and len(v) <= 100 for v in values):
        raise LineError(f"{label} must be a list of slugs (texts such as {_EXAMPLES[label]})")
    rows = model._default_manager.filter(**{f"{field_name}__in": values})
    found = {getattr(o, field_name): o for o in rows}
    missing = [v for v in values if v not in found]
    if missing:
        raise LineError(f"unknown {label}: {', '.join(map(str, missing))}")
    return [found[v] for v in dict.fromkeys(values)]


def _find_city(obj: Any) -> City:
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("name"), str)
        or not isinstance(obj.get("country"), str)
    ):
        raise LineError('city must be {"name": ..., "country": ISO 3166 alpha-2 code}')
    name, country = obj["name"].strip(), obj["country"].strip().upper()
    cities = City.objects.filter(country__iso2=country)
    match = (
        cities.filter(Q(name__iexact=name) | Q(ascii_name__iexact=name))
        .order_by("-population")
        .first()
    )
    if match is None:
        lowered = name.casefold()
        for city in cities.exclude(alternate_names=[]).order_by("-population"):
            if any(alt.casefold() == lowered for alt in city.alternate_names):
                match = city
                break
    if match is None:
        raise LineError(f"no city named {name!r} in country {country!r}")
    return match


def _details(obj: dict[str, Any]) -> dict[str, Any]:
    """The optional details present on the line, checked as PracticeData checks the editor's
    (lengths, budget bands, http(s) links); a detail absent from the line is left as stored."""
    out: dict[str, Any] = {}
    for name in ("main_actors", "contacts", "awards"):
        if name in obj:
            if not isinstance(obj[name], str):
                raise LineError(f"{name} must be text")
            out[name] = obj[name]
    if "budget_band" in obj:
        if obj["budget_band"] not in Practice.BudgetBand.values:
            raise LineError(
                "budget_band must be one of: "
                + ", ".join(repr(v) for v in Practice.BudgetBand.values)
            )
        out["budget_band"] = obj["budget_band"]
    if "links" in obj:
        links = obj["links"]
        if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
            raise LineError("links must be a list of web addresses")
        out["links"] = links
    if out:
        data = PracticeData(
            text=PracticeText(title="-", summary="-"),
            challenges=[Challenge()],
            **{k: v for k, v in out.items() if k != "budget_band"},
            budget_band=out.get("budget_band", ""),
        )
        try:
            data.validate(city=City())
        except ValidationError as exc:
            reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise LineError(reasons) from exc
        out = {k: getattr(data, k) for k in out}  # cleaned (core.text) as the editor's are
    return out


def parse_line(raw: str | bytes) -> ParsedLine:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(f"not UTF-8 text ({exc.reason})") from exc
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise LineError("a line must be a JSON object")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise LineError(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(obj) - KNOWN)
    if unknown:
        raise LineError(f"unknown field(s): {', '.join(unknown)}")
    url = obj["source_url"]
    try:
        if not isinstance(url, str):
            raise ValidationError("")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise LineError("source_url must be an http(s) URL") from exc
    if len(url) > 500:
        raise LineError("source_url is longer than 500 characters")
    language = obj["language"]
    if not isinstance(language, str) or language not in LANGUAGE_CODES:
        raise LineError("language must be en, fr or es")
    text = _text(obj, "text")
    translations: dict[str, tuple[PracticeText, str]] = {}
    raw_translations = obj.get("translations") or {}
    if not isinstance(raw_translations, dict):
        raise LineError("translations must map a language to its text")
    for lang, value in raw_translations.items():
        if not isinstance(lang, str) or lang not in LANGUAGE_CODES or lang == language:
            raise LineError(
                f"translation language {lang!r} must be en, fr or es and not the original"
            )
        quality = value.get("quality", "original") if isinstance(value, dict) else None
        if quality not in PracticeTranslation.Quality.values:
            raise LineError(
                f"translation {lang}: quality must be original, machine or human_checked"
            )
        body = {k: v for k, v in value.items() if k != "quality"}
        translations[lang] = (_text(body, f"translation {lang}"), quality)
    status = obj.get("status") or Practice.Status.ONGOING
    if not isinstance(status, str) or status not in Practice.Status.values:
        raise LineError("status must be pilot, ongoing or completed")
    start, end = _year(obj.get("start_year"), "start_year"), _year(obj.get("end_year"), "end_year")
    if start and end and end < start:
        raise LineError("end_year is before start_year")
    challenges = _lookup(Challenge, "slug", obj["challenges"], "challenges")
    if not challenges:
        raise LineError("at least one challenge is required")
    sdgs = obj.get("sdgs") or []
    return ParsedLine(
        source_url=url,
        language=language,
        city=_find_city(obj["city"]),
        text=text,
        translations=translations,
        challenges=challenges,
        sdgs=_lookup(Sdg, "number", sdgs, "sdgs"),
        topics=_lookup(Topic, "slug", obj.get("topics") or [], "topics"),
        status=status,
        start_year=start,
        end_year=end,
        details=_details(obj),
    )


def _snapshot(practice: Practice) -> tuple:
    texts = tuple(
        sorted(
            (
                t.language_code,
                t.quality,
                t.title,
                t.summary,
                *(getattr(t, n) for n in SECTION_NAMES),
            )
            for t in practice.translations.all()
        )
    )
    return (
        practice.language,
        practice.city_id,
        practice.status,
        practice.start_year,
        practice.end_year,
        *(getattr(practice, name) for name in DETAILS),
        texts,
        tuple(sorted(practice.challenges.values_list("pk", flat=True))),
        tuple(sorted(practice.sdgs.values_list("pk", flat=True))),
        tuple(sorted(practice.topics.values_list("pk", flat=True))),
        practice.review_state,
    )


def _print(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def text_print(row: PracticeTranslation) -> str:
    """Fingerprint of a language version's text as stored."""
    return _print(row.quality, row.title, row.summary, *(getattr(row, n) for n in SECTION_NAMES))


def details_print(practice: Practice) -> str:
    """Fingerprint of what the import writes on the practice itself, tags included."""
    return _print(
        practice.language,
        practice.city_id,
        practice.status,
        practice.start_year,
        practice.end_year,
        *(getattr(practice, name) for name in DETAILS),
        sorted(practice.challenges.values_list("pk", flat=True)),
        sorted(practice.sdgs.values_list("pk", flat=True)),
        sorted(practice.topics.values_list("pk", flat=True)),
    )


_LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish"}


def _write(line: ParsedLine, *, publish: bool) -> tuple[str, list[str]]:
    """Create or update one practice; returns "created", "updated" or "unchanged", and what
    was kept because the platform changed it (see the module docstring)."""
    now = timezone.now()
    kept: list[str] = []
    with transaction.atomic():
        practice = (
            Practice.objects.select_for_update(no_key=True)
            .filter(source_url=line.source_url)
            .first()
        )
        created = practice is None
        before = None if practice is None else _snapshot(practice)
        legacy = practice is not None and not practice.import_details_print
        if practice is None:
            practice = Practice(source_url=line.source_url, review_state=Practice.ReviewState.DRAFT)
        details_ours = created or legacy or practice.import_details_print == details_print(practice)
        if details_ours:
            practice.language = line.language
            practice.city = line.city
            practice.status = line.status
            practice.start_year = line.start_year
            practice.end_year = line.end_year
            for name, value in line.details.items():
                setattr(practice, name, value)
        else:
            kept.append("kept the details and tags changed on the platform since the last import")
        practice.save()
        texts = {
            line.language: (line.text, PracticeTranslation.Quality.ORIGINAL),
            **line.translations,
        }
        rows = {row.language_code: row for row in practice.translations.all()}

        def ours(row: PracticeTranslation) -> bool:
            return legacy or (
                bool(row.import_text_print) and row.import_text_print == text_print(row)
            )

        for lang, row in rows.items():
            if lang in texts:
                continue
            if ours(row):
                row.delete()
            else:
                kept.append(f"kept the {_LANGUAGE_NAMES[lang]} version written on the platform")
        for lang, (text, quality) in texts.items():
            row = rows.get(lang) or PracticeTranslation(master=practice, language_code=lang)
            if row.pk is not None and not ours(row):
                kept.append(
                    f"kept the {_LANGUAGE_NAMES[lang]} version written or edited on the platform"
                )
                continue
            text.apply(row)
            row.quality = quality
            row.import_text_print = text_print(row)
            row.save()
        if details_ours:
            practice.challenges.set(line.challenges)
            practice.sdgs.set(line.sdgs)
            practice.topics.set(line.topics)
            practice.import_details_print = details_print(practice)
        if details_ours:
            practice.save(update_fields=["import_details_print"])
        practice = _review_steps(practice, created=created, publish=publish, line=line, kept=kept)
        if created or _snapshot(practice) != before:
            Practice.objects.filter(pk=practice.pk).update(imported_at=now)
            outbox_record(practice_ids=[practice.pk])
            return ("created" if created else "updated"), kept
        if legacy:
            # Only the fingerprints are new: keep them, touch nothing else.
            return "unchanged", kept
        # Nothing differs: undo the writes above (they only re-set the same values).
        transaction.set_rollback(True)
        return "unchanged", kept


S = Practice.ReviewState


def _review_steps(
    practice: Practice, *, created: bool, publish: bool, line: ParsedLine, kept: list[str]
) -> Practice:
    """Move the practice along the review table as its "import" actor: a new practice is
    submitted to the editors; with --publish (a trusted source) it is then published, and so is
    an update of one not yet published. No other move: a published practice stays as it is, an
    archived one stays archived (reported: an editor restores it)."""
    wanted: list[str] = []
    if created:
        wanted = ["submit", "publish"] if publish else ["submit"]
    elif publish:
        if practice.review_state in (S.DRAFT, S.CHANGES_REQUESTED):
            wanted = ["submit", "publish"]
        elif practice.review_state == S.SUBMITTED:
            wanted = ["publish"]
        elif practice.review_state == S.ARCHIVED:
            kept.append("kept archived: an editor restores it through the review")
    for name in wanted:
        practice = practice_transition_by_import(
            practice=practice, name=name, note=f"Imported from {line.source_url}"
        )
    return practice


def practices_import(*, lines: Iterable[str | bytes], publish: bool = False) -> ImportReport:
    report = ImportReport()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            parsed = parse_line(raw)
        except LineError as exc:
            report.errors.append((number, str(exc)))
            continue
        try:
            outcome, kept = _write(parsed, publish=publish)
        except (DatabaseError, ValidationError, ValueError) as exc:
            # Whatever the checks above missed: this line is reported (its transaction rolled
            # back), the next ones are still imported.
            log.warning("import line %d could not be stored", number, exc_info=True)
            report.errors.append((number, f"could not be stored ({type(exc).__name__}: {exc})"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.kept += [(number, what) for what in kept]
    return report
