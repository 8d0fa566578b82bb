"""Why a peer city was ranked where it was, told in the reader's language.

Peer matching (exchanges.matching) records its reasons as data, not sentences: each reason is
a small JSON object, a sentence key and its parameters, e.g.
``{"key": "matched_by_meaning", "practices": [12, 40], "similarities": [0.52, 0.41]}``.
`Match.explanation` stores them under "reasons", with the score's components and weights.
They are turned into sentences only when read (`explanation_sentences`, `reasons_render`),
inside the reader's language: the broker's page, the API (Accept-Language) and the mails each
render in their own reader's language, and practice titles come in that language when the
practice has it (`Practice.text_in`, else its original). Ranking in one language and reading
in another, as happens when a broker ranks and a peer city's official reads, then just works.

Rows stored before this (explanation with a "sentences" list of already written sentences)
are not migrated: those sentences cannot be parsed back into keys reliably, and re-ranking
old requests would change suggestions a broker has already looked at. The renderer accepts
both shapes and shows old sentences as they were written (in the language of whoever ranked).
A new ranking of the request replaces them with reasons.

A reason whose key is unknown (written by a later version) is left out rather than shown raw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.formats import number_format
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from cities.models import City, Region
from core.languages import current_language
from practices.models import Challenge, Practice, PracticeTranslation, Topic

Reason = dict[str, Any]


def reason(key: str, **params: Any) -> Reason:
    return {"key": key, **params}


@dataclass
class _Lookups:
    """The rows the reasons name, loaded once for every explanation rendered together."""

    practices: dict[int, Practice] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    challenges: dict[str, Challenge] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)

    @classmethod
    def load(cls, reasons: Iterable[Reason]) -> _Lookups:
        practices: set[int] = set()
        regions: set[str] = set()
        challenges: set[str] = set()
        topics: set[str] = set()
        for item in reasons:
            practices.update(int(pk) for pk in item.get("practices", []))
            if item.get("key") == "same_region":
                regions.add(str(item.get("region", "")))
            challenges.update(item.get("challenges", []))
            topics.update(item.get("topics", []))
        out = cls()
        if practices:
            out.practices = {
                p.pk: p
                for p in Practice.objects.filter(pk__in=practices).prefetch_related(
                    Prefetch("translations", queryset=PracticeTranslation.objects.all())
                )
            }
        if regions:
            out.regions = {r.code: r for r in Region.objects.filter(code__in=regions)}
        if challenges:
            out.challenges = {c.slug: c for c in Challenge.objects.filter(slug__in=challenges)}
        if topics:
            out.topics = {t.slug: t for t in Topic.objects.filter(slug__in=topics)}
        return out

    def title(self, pk: int) -> str | None:
        practice = self.practices.get(int(pk))
        if practice is None:
            return None  # deleted since the ranking
        text = practice.text_in(current_language())
        return text.title if text else str(practice)


def _number(value: Any) -> str:
    return number_format(float(value), decimal_pos=2)


def _quoted(title: str) -> str:
    return _("“%(title)s”") % {"title": title}


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _labels(items: Mapping[str, Any], slugs: Sequence[str]) -> list[str]:
    return [items[slug].label for slug in slugs if slug in items]


def _words(item: Reason, _lookups: _Lookups) -> str | None:
    count = int(item["count"])
    return ngettext(
        "%(count)d published practice matches the need (best relevance %(best)s)",
        "%(count)d published practices match the need (best relevance %(best)s)",
        count,
    ) % {"count": count, "best": _number(item["best"])}


def _matched_by_words(item: Reason, lookups: _Lookups) -> str | None:
    titles = [t for t in (lookups.title(pk) for pk in item["practices"]) if t]
    if not titles:
        return None
    return _("matched by words: %(practices)s") % {
        "practices": "; ".join(_quoted(t) for t in titles)
    }


def _matched_by_meaning(item: Reason, lookups: _Lookups) -> str | None:
    parts = []
    for pk, similarity in zip(item["practices"], item["similarities"], strict=False):
        title = lookups.title(pk)
        if title:
            parts.append(
                _("“%(title)s” (similarity %(similarity)s)")
                % {"title": title, "similarity": _number(similarity)}
            )
    if not parts:
        return None
    return _("matched by meaning: %(practices)s") % {"practices": "; ".join(parts)}


def _same_region(item: Reason, lookups: _Lookups) -> str | None:
    region = lookups.regions.get(str(item["region"]))
    if region is None:
        return None
    return _("same world region (%(region)s)") % {"region": region.label}


def _same_band(item: Reason, _lookups: _Lookups) -> str | None:
    try:
        band = City.SizeBand(item["band"]).label
    except ValueError:
        return None
    return _("population band %(band)s like %(city)s") % {"band": band, "city": item["city"]}


def _languages(item: Reason, _lookups: _Lookups) -> str | None:
    codes = list(item["languages"])
    names = ", ".join(_language_name(code) for code in codes)
    return ngettext(
        "works in %(names)s, a language of the request",
        "works in %(names)s, languages of the request",
        len(codes),
    ) % {"names": names}


def _indicator(item: Reason, _lookups: _Lookups) -> str | None:
    return _("%(name)s %(theirs)s against %(mine)s (closeness %(closeness)s)") % {
        "name": item["name"],
        "theirs": item["theirs"],
        "mine": item["mine"],
        "closeness": _number(item["closeness"]),
    }


def _challenges(item: Reason, lookups: _Lookups) -> str | None:
    names = _labels(lookups.challenges, item["challenges"])
    if not names:
        return None
    return _("shares challenges %(names)s (%(shared)d of %(wanted)d)") % {
        "names": ", ".join(names),
        "shared": len(item["challenges"]),
        "wanted": int(item["wanted"]),
    }


def _topics(item: Reason, lookups: _Lookups) -> str | None:
    names = _labels(lookups.topics, item["topics"])
    if not names:
        return None
    return _("works on topics %(names)s (%(shared)d of %(wanted)d)") % {
        "names": ", ".join(names),
        "shared": len(item["topics"]),
        "wanted": int(item["wanted"]),
    }


def _track_record(item: Reason, _lookups: _Lookups) -> str | None:
    done, adapted = int(item["exchanges"]), int(item["adapted"])
    exchanges = ngettext("%(count)d completed exchange", "%(count)d completed exchanges", done) % {
        "count": done
    }
    cities = ngettext(
        "practices adapted by %(count)d city", "practices adapted by %(count)d cities", adapted
    ) % {"count": adapted}
    return _("%(exchanges)s; %(adapted)s") % {"exchanges": exchanges, "adapted": cities}


def _fixed(text: Callable[[], str]) -> Callable[[Reason, _Lookups], str | None]:
    return lambda _item, _lookups: text()


RENDERERS: dict[str, Callable[[Reason, _Lookups], str | None]] = {
    "words": _words,
    "source_practice": _fixed(lambda: _("the request was started from one of its practices")),
    "names_city": lambda item, _lookups: _("the need names %(city)s") % {"city": item["city"]},
    "matched_by_words": _matched_by_words,
    "matched_by_meaning": _matched_by_meaning,
    "words_only": _fixed(lambda: _("matched by words only: the language model is unavailable")),
    "same_region": _same_region,
    "same_band": _same_band,
    "languages": _languages,
    "indicator": _indicator,
    "challenges": _challenges,
    "topics": _topics,
    "track_record": _track_record,
    "open": _fixed(lambda: _("open to exchanges")),
}
"""Every reason key and how it reads. Keys are stored: rename one only with a migration."""


def _render(reasons: Sequence[Reason], lookups: _Lookups) -> list[str]:
    out = []
    for item in reasons:
        render = RENDERERS.get(str(item.get("key")))
        if render is None:
            continue
        try:
            sentence = render(item, lookups)
        except (KeyError, TypeError, ValueError):
            continue  # a malformed stored reason is left out, never an error page
        if sentence:
            out.append(sentence)
    return out


def reasons_render(groups: Sequence[Sequence[Reason]]) -> list[list[str]]:
    """Each group of reasons as sentences in the active language, with one set of queries for
    all of them (a page of matches renders together)."""
    lookups = _Lookups.load(item for group in groups for item in group)
    return [_render(group, lookups) for group in groups]


def _reasons_of(explanation: Mapping[str, Any]) -> list[Reason]:
    found = explanation.get("reasons")
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def explanations_render(explanations: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The sentences of stored `Match.explanation` values, in the active language: "reasons"
    rendered now, or the "sentences" of a row stored before reasons existed, as they were
    written."""
    groups = [_reasons_of(e or {}) for e in explanations]
    rendered = reasons_render(groups)
    out = []
    for explanation, sentences in zip(explanations, rendered, strict=True):
        legacy = (explanation or {}).get("sentences")
        if "reasons" not in (explanation or {}) and isinstance(legacy, list):
            out.append([str(s) for s in legacy])
        else:
            out.append(sentences)
    return out


def explanation_sentences(explanation: Mapping[str, Any]) -> list[str]:
    return explanations_render([explanation])[0]
