"""Two people editing one practice at once: nothing saved is lost, and nothing is lost silently.

Decision: the web forms (the practice editor and the translation form) carry, in a hidden
`version` field, a short digest of every field as it was when the form was opened. On saving,
the service compares, under the practice's row lock, three things for each field: what the
form started from, what is stored now and what the form sends.

- No field changed since the form was opened: the save goes through.
- Someone else changed a field and the form sends something else for it: nothing is written,
  and the page answers 409 with the conflict (templates/practices/_conflict.html): who saved
  and when, and for every field changed since, their text beside the current text. The form
  is given back based on the current version: the fields the user changed keep the user's
  text, the others take the current values, so saving again applies the user's text on
  purpose and reverts nothing they did not touch.
- Someone else made the same change the form sends (two people fixing the same typo): no
  conflict for that field.
- A form without a version (an old tab, a hand-made request) is treated as started from
  nothing known: any field that differs from what is stored is a conflict.

Per-field digests, rather than one version number, because the practice's row also changes
for reasons that are not edits (a review step, a new adoption), and because the page must say
which fields changed without keeping every past version of the text. A digest is not a secret:
forging one only hides the conflict from the person who forges it.

The same user posting the same form twice (a double click) is no conflict: the second post
sends what is now stored. The API has its own rule (a `version` from `updated_at`, and PATCH
merging under the lock: docs/api.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from core.errors import StaleUpdate

from .models import SECTIONS, Practice, PracticeTranslation

if TYPE_CHECKING:
    from .services import PracticeData, PracticeText

DIGEST_LENGTH = 12

# The practice editor's fields, in the order of the form, with the labels the conflict shows.
PRACTICE_FIELDS: list[tuple[str, StrOrPromise]] = [
    ("title", _("Title")),
    ("summary", _("One-line summary")),
    *SECTIONS,
    ("challenges", _("Challenges")),
    ("sdgs", _("Sustainable Development Goals")),
    ("topics", _("Topics")),
    ("partner_cities", _("Partner cities")),
    ("status", _("Status")),
    ("start_year", _("Start year")),
    ("end_year", _("End year")),
    ("budget_band", _("Budget")),
    ("main_actors", _("Main actors")),
    ("contacts", _("Contacts")),
    ("links", _("Links")),
    ("awards", _("Awards")),
]
TRANSLATION_FIELDS: list[tuple[str, StrOrPromise]] = [
    ("title", _("Title")),
    ("summary", _("One-line summary")),
    *SECTIONS,
    ("quality", _("This translation is")),
]


@dataclass(frozen=True)
class Value:
    """One field's value: `key` is compared, `shown` is what a person reads."""

    key: Any
    shown: str


def _text(value: str) -> Value:
    value = (value or "").strip()
    return Value(value, value)


def _text_values(text: PracticeText) -> dict[str, Value]:
    values = {"title": _text(text.title), "summary": _text(text.summary)}
    for name, _label in SECTIONS:
        values[name] = _text(text.sections.get(name, ""))
    return values


def practice_values(data: PracticeData) -> dict[str, Value]:
    """Every field of the practice editor, comparable and readable."""

    def tags(objects: list[Any], key: str) -> Value:
        ordered = sorted(objects, key=lambda o: getattr(o, key))
        return Value([getattr(o, key) for o in ordered], ", ".join(str(o) for o in ordered))

    values = _text_values(data.text)
    values["challenges"] = tags(data.challenges, "slug")
    values["sdgs"] = tags(data.sdgs, "number")
    values["topics"] = tags(data.topics, "slug")
    values["partner_cities"] = tags(data.partner_cities, "pk")
    values["status"] = Value(data.status, str(dict(Practice.Status.choices).get(data.status, "")))
    for name in ("start_year", "end_year"):
        year = getattr(data, name)
        values[name] = Value(year, "" if year is None else str(year))
    band = data.budget_band or ""
    values["budget_band"] = Value(band, str(dict(Practice.BudgetBand.choices).get(band, "")))
    for name in ("main_actors", "contacts", "awards"):
        values[name] = _text(getattr(data, name))
    links = [link.strip() for link in data.links]
    values["links"] = Value(links, "\n".join(links))
    return values


def translation_values(text: PracticeText, quality: str) -> dict[str, Value]:
    values = _text_values(text)
    known = dict(PracticeTranslation.Quality.choices)
    values["quality"] = Value(quality, str(known.get(quality, quality)))
    return values


def _digest(value: Value) -> str:
    encoded = json.dumps(value.key, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:DIGEST_LENGTH]


def version_of(values: Mapping[str, Value]) -> str:
    """The hidden `version` of a form opened on these values."""
    return ".".join(_digest(value) for value in values.values())


def _base(version: str | None, names: list[str]) -> dict[str, str] | None:
    parts = (version or "").split(".")
    if len(parts) != len(names) or any(len(p) != DIGEST_LENGTH for p in parts):
        return None
    return dict(zip(names, parts, strict=True))


class EditConflict(StaleUpdate):
    """Someone else changed `fields` since the form was opened, and the form would overwrite
    them (HTTP 409; the pages show the conflict, the API its message)."""

    def __init__(self, message: str, *, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


@dataclass(frozen=True)
class FieldChange:
    """A field someone else changed since the form was opened."""

    name: str
    label: str
    yours: str
    current: str
    # Whether the user changed this field too: their text is kept in the form; otherwise the
    # form takes the current value.
    you_changed: bool


def conflicts(
    *, version: str | None, current: Mapping[str, Value], submitted: Mapping[str, Value]
) -> list[str]:
    """The fields that would overwrite someone else's change (see the module's rule)."""
    base = _base(version, list(current))
    return [
        name
        for name, value in current.items()
        if (base is None or base[name] != _digest(value))
        and _digest(submitted[name]) != _digest(value)
    ]


def changes(
    *,
    version: str | None,
    current: Mapping[str, Value],
    submitted: Mapping[str, Value],
    labels: list[tuple[str, StrOrPromise]],
) -> list[FieldChange]:
    """For the conflict page: each field that differs from what is stored and that someone
    else changed since the form was opened, with whether the user changed it too."""
    base = _base(version, list(current))
    found = []
    for name, label in labels:
        now, theirs = current[name], submitted[name]
        if _digest(now) == _digest(theirs):
            continue
        if base is not None and base[name] == _digest(now):
            continue  # only the user changed it: no conflict, it is simply their edit
        found.append(
            FieldChange(
                name=name,
                label=str(label),
                yours=theirs.shown,
                current=now.shown,
                you_changed=base is None or base[name] != _digest(theirs),
            )
        )
    return found
