import json

import pytest
from django.core.management import CommandError, call_command

from cities.services import cities_load_reference
from practices.importing import practices_import
from practices.models import Practice, PracticeTransition, PracticeTranslation, SearchOutbox

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _reference_cities(module_transaction):
    # Loaded once for the module's tests (tests/conftest.py: rows made once per module).
    with module_transaction.unblock():
        cities_load_reference(min_population=1_000_000)


@pytest.fixture(autouse=True)
def cities(_reference_cities, db):
    pass


def line(**overrides):
    record = {
        "title": "Vélo'v: bike sharing",
        "summary": "A public bike-sharing system.",
        "sections": {"context": "Traffic jams.", "results": "30,000 trips a day."},
        "language": "fr",
        "city": {"name": "Paris", "country": "FR"},
        "challenges": ["sustainability"],
        "sdgs": [11, 13],
        "topics": ["mobility"],
        "status": "completed",
        "start_year": 2007,
        "end_year": 2012,
        "source_url": "https://example.org/practices/velib",
    }
    record.update(overrides)
    return json.dumps(record, ensure_ascii=False)


def write(tmp_path, lines):
    path = tmp_path / "import.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD_AND_BAD = [
    line(),  # 1 good
    "{not json",  # 2
    line(source_url="https://example.org/2", challenges=["astrology"]),  # 3
    line(source_url="https://example.org/3", city={"name": "Atlantis", "country": "GR"}),  # 4
    line(source_url="https://example.org/4", start_year=2020, end_year=2010),  # 5
    line(source_url="https://example.org/5", sdgs=[18]),  # 6
    "",  # 7 blank lines are ignored
    line(
        source_url="https://example.org/6",
        language="es",
        title="Presupuesto participativo",
        city={"name": "ciudad de méxico", "country": "MX"},
        translations={
            "en": {
                "title": "Participatory budgeting",
                "summary": "Residents decide.",
                "quality": "machine",
            }
        },
    ),  # 8 good, city found by alternate name
    line(source_url="ftp://example.org/7"),  # 9
    json.dumps({"title": "Only a title"}),  # 10
    line(source_url="https://example.org/8", language="de"),  # 11
    line(source_url="https://example.org/9", title="x" * 201),  # 12
    line(source_url="https://example.org/10", surprise=1),  # 13
]

EXPECTED_ERRORS = [
    (2, "not valid JSON"),
    (3, "unknown challenges: astrology"),
    (4, "no city named 'Atlantis' in country 'GR'"),
    (5, "end_year is before start_year"),
    (6, "sdgs must be a list of numbers from 1 to 17"),
    (9, "source_url must be an http(s) URL"),
    (10, "missing field(s): summary, language, city, challenges, source_url"),
    (11, "language must be en, fr or es"),
    (12, "text: title: At most 200 characters (this has 201)."),
    (13, "unknown field(s): surprise"),
]


def test_good_lines_imported_bad_ones_reported_exactly(tmp_path, capsys):
    path = write(tmp_path, GOOD_AND_BAD)
    with pytest.raises(CommandError, match="10 line"):
        call_command("import_practices", str(path))
    captured = capsys.readouterr()
    for number, reason in EXPECTED_ERRORS:
        assert f"line {number}: {reason}" in captured.err
    assert captured.err.count("line ") == len(EXPECTED_ERRORS)
    assert "2 created, 0 updated, 0 unchanged, 10 rejected." in captured.out

    assert Practice.objects.count() == 2
    velib = Practice.objects.get(source_url="https://example.org/practices/velib")
    assert velib.city.name == "Paris" and velib.language == "fr"
    assert velib.review_state == "submitted"  # awaits the editors without --publish
    assert velib.imported_at is not None
    assert velib.original.results == "30,000 trips a day."
    assert set(velib.sdgs.values_list("number", flat=True)) == {11, 13}
    mexico = Practice.objects.get(source_url="https://example.org/6")
    assert mexico.city.country.iso2 == "MX"
    assert mexico.text_in("en", fallback=False).quality == "machine"
    assert SearchOutbox.objects.filter(practice_id__in=[velib.pk, mexico.pk]).count() == 2


def test_second_run_changes_nothing(tmp_path):
    path = write(tmp_path, GOOD_AND_BAD)
    with pytest.raises(CommandError):
        call_command("import_practices", str(path))
    before = (
        list(Practice.objects.values_list("pk", "updated_at", "review_state", "imported_at")),
        PracticeTranslation.objects.count(),
        PracticeTransition.objects.count(),
        SearchOutbox.objects.count(),
    )
    report = practices_import(lines=path.read_text().splitlines())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    after = (
        list(Practice.objects.values_list("pk", "updated_at", "review_state", "imported_at")),
        PracticeTranslation.objects.count(),
        PracticeTransition.objects.count(),
        SearchOutbox.objects.count(),
    )
    assert after == before


def test_same_source_url_updates_never_duplicates():
    practices_import(lines=[line()])
    report = practices_import(
        lines=[line(title="Vélib' (updated)", topics=["mobility", "air-quality"])]
    )
    assert (report.created, report.updated) == (0, 1)
    practice = Practice.objects.get()
    assert practice.original.title == "Vélib' (updated)"
    assert practice.topics.count() == 2


def test_publish_flag_publishes(tmp_path, capsys):
    call_command("import_practices", str(write(tmp_path, [line()])), "--publish")
    practice = Practice.objects.get()
    assert practice.review_state == "published" and practice.published_at
    steps = list(practice.transitions.order_by("id").values_list("from_state", "to_state", "by"))
    # Issue 14, item 14: the steps of the review table, taken by the import (no user).
    assert steps == [("draft", "submitted", None), ("submitted", "published", None)]
    assert all(t.note.startswith("Imported from") for t in practice.transitions.all())


@pytest.mark.parametrize(
    "state, expected, note",
    [
        ("draft", "published", None),
        ("changes_requested", "published", None),
        ("submitted", "published", None),
        ("archived", "archived", "kept archived: an editor restores it through the review"),
        ("published", "published", None),
    ],
)
def test_publish_moves_only_along_the_review_table(tmp_path, capsys, state, expected, note):
    """The import jumped draft->published and archived->published, moves the table does not
    have: it now takes the table's own steps, and leaves an archived practice archived."""
    call_command("import_practices", str(write(tmp_path, [line()])))
    practice = Practice.objects.get()
    from django.utils import timezone

    published_at = timezone.now() if state in ("published", "archived") else None
    Practice.objects.filter(pk=practice.pk).update(review_state=state, published_at=published_at)
    before = set(practice.transitions.values_list("pk", flat=True))
    capsys.readouterr()
    call_command("import_practices", str(write(tmp_path, [line(summary="New.")])), "--publish")
    practice.refresh_from_db()
    assert practice.review_state == expected
    moves = practice.transitions.exclude(pk__in=before).values_list("from_state", "to_state")
    from practices.workflow import REVIEW

    table = {(src, step.target) for step in REVIEW.steps.values() for src in step.sources}
    assert set(moves) <= table
    out = capsys.readouterr().out
    assert (note in out) if note else "kept archived" not in out


def test_a_failure_inside_a_line_leaves_nothing_of_it(monkeypatch):
    from practices import importing

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.PracticeTranslation, "save", explode)
    with pytest.raises(RuntimeError):
        practices_import(lines=[line()])
    assert not Practice.objects.exists()
    assert not SearchOutbox.objects.exists()


def test_unreadable_and_non_utf8_files(tmp_path, capsys):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_practices", str(tmp_path / "missing.jsonl"))
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(line().encode("utf-8") + b"\n" + "caf\xe9".encode("latin-1") + b"\n")
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_practices", str(path))
    assert "line 2: not UTF-8 text" in capsys.readouterr().err
    assert Practice.objects.count() == 1


def test_control_characters_are_removed_on_import(tmp_path):
    """Issue 14, item 4: the import cleans text as the web and the API do (core.text)."""
    dirty = line(
        title="Vélo'v\x1b: bike\x0b sharing",
        summary="A public\r\n bike-sharing\x07 system.",
        sections={"context": "Traffic\x1b jams.\r\nEvery day."},
    )
    call_command("import_practices", str(write(tmp_path, [dirty])))
    row = PracticeTranslation.objects.get(master__source_url="https://example.org/practices/velib")
    assert (row.title, row.summary) == ("Vélo'v: bike sharing", "A public bike-sharing system.")
    assert row.context == "Traffic jams.\nEvery day."


HOSTILE = [
    # Issue 14, item 6: each of these crashed the whole run (lines after it were skipped).
    ({"sdgs": [10**20]}, "sdgs must be a list of numbers from 1 to 17"),
    ({"sdgs": ["11"]}, "sdgs must be a list of numbers from 1 to 17"),
    ({"sdgs": [True]}, "sdgs must be a list of numbers from 1 to 17"),
    ({"topics": [{"slug": "mobility"}]}, "topics must be a list of slugs"),
    ({"topics": "mobility"}, "topics must be a list"),
    ({"challenges": [["sustainability"]]}, "challenges must be a list of slugs"),
    ({"challenges": [None]}, "challenges must be a list of slugs"),
    ({"language": ["fr"]}, "language must be en, fr or es"),
    ({"language": {"code": "fr"}}, "language must be en, fr or es"),
    ({"status": ["ongoing"]}, "status must be pilot, ongoing or completed"),
    ({"start_year": 2.5e3}, "start_year must be a year"),
    ({"city": ["Paris", "FR"]}, "city must be"),
    ({"translations": {"en": ["Title", "Summary"]}}, "translation en: quality must be"),
    ({"translations": [["en", {}]]}, "translations must map a language"),
    ({"sections": {"context": {"text": "x"}}}, "text: sections must map section names to text"),
    ({"title": "\x00"}, "text: title: A title is required."),  # NUL alone: nothing left
]


def test_every_hostile_line_is_reported_and_the_run_goes_on(tmp_path, capsys):
    lines = [
        line(source_url=f"https://example.org/hostile/{n}", **changes)
        for n, (changes, _reason) in enumerate(HOSTILE)
    ]
    lines.append(line(source_url="https://example.org/after", title="After \x00the bad lines"))
    with pytest.raises(CommandError, match=f"{len(HOSTILE)} line"):
        call_command("import_practices", str(write(tmp_path, lines)))
    err = capsys.readouterr().err
    for number, (_changes, reason) in enumerate(HOSTILE, start=1):
        assert f"line {number}: {reason}" in err, (number, err)
    # The line after them is imported, its NUL removed (PostgreSQL refuses NUL in text).
    after = Practice.objects.get(source_url="https://example.org/after")
    assert after.original.title == "After the bad lines"
    assert Practice.objects.count() == 1


# -- issue 14, item 5: the import owns only what it brought ----------------------------------


@pytest.fixture
def editor():
    from accounts.services import EDITOR, user_grant_staff_role
    from tests.factories import UserFactory

    return user_grant_staff_role(user=UserFactory(), role=EDITOR)


SPANISH = {
    "language": "es",
    "title": "Presupuesto participativo",
    "summary": "Los vecinos deciden.",
    "city": {"name": "ciudad de méxico", "country": "MX"},
    "source_url": "https://example.org/presupuesto",
    "translations": {"en": {"title": "Participatory budget", "summary": "Residents decide."}},
}


def _run(tmp_path, capsys, **changes):
    call_command("import_practices", str(write(tmp_path, [line(**{**SPANISH, **changes})])))
    return capsys.readouterr().out


def test_reimport_keeps_a_translation_added_on_the_platform(tmp_path, capsys, editor):
    from practices.services import PracticeText, practice_translation_set

    _run(tmp_path, capsys)
    practice = Practice.objects.get(source_url=SPANISH["source_url"])
    practice_translation_set(
        practice=practice,
        by=editor,
        language="fr",
        text=PracticeText(title="Budget participatif", summary="Les habitants décident."),
        quality="human_checked",
    )
    out = _run(tmp_path, capsys)  # the same source line again
    assert "line 1: kept the French version written on the platform" in out
    assert "1 updated" not in out
    french = practice.text_in("fr", fallback=False)
    assert (french.title, french.quality) == ("Budget participatif", "human_checked")
    # The source drops its English version: that one was the import's, so it goes.
    out = _run(tmp_path, capsys, translations={})
    assert "1 updated" in out
    assert practice.text_in("en", fallback=False) is None
    assert practice.text_in("fr", fallback=False) is not None


def test_reimport_never_overwrites_an_edit_made_on_the_platform(tmp_path, capsys, editor):
    from practices.services import PracticeText, practice_translation_set

    _run(tmp_path, capsys)
    practice = Practice.objects.get(source_url=SPANISH["source_url"])
    # An editor corrects the imported English version; a member changes the topics.
    practice_translation_set(
        practice=practice,
        by=editor,
        language="en",
        text=PracticeText(title="Participatory budgeting", summary="Residents decide together."),
        quality="human_checked",
    )
    practice.topics.set(practice.topics.none())
    out = _run(
        tmp_path,
        capsys,
        summary="Los vecinos deciden el gasto.",  # the source changed its Spanish text
        translations={"en": {"title": "Participatory budget v2", "summary": "Residents vote."}},
        topics=["mobility", "participation"],
    )
    assert "kept the English version written or edited on the platform" in out
    assert "kept the details and tags changed on the platform since the last import" in out
    assert "1 updated" in out  # the Spanish original was still the import's: it is updated
    practice.refresh_from_db()
    assert practice.text_in("es", fallback=False).summary == "Los vecinos deciden el gasto."
    assert practice.text_in("en", fallback=False).title == "Participatory budgeting"
    assert not practice.topics.exists()
    # Untouched on the platform, a version follows its source again on the next run.
    out = _run(tmp_path, capsys, summary="Los vecinos deciden todo.")
    practice.refresh_from_db()
    assert practice.text_in("es", fallback=False).summary == "Los vecinos deciden todo."


def test_details_are_imported_and_checked_like_the_editors(tmp_path, capsys):
    good = line(
        main_actors="Mairie de Paris\x1b, JCDecaux",
        contacts="Direction de la voirie — équipe vélo",
        awards="Prix 2008",
        budget_band="1m-10m",
        links=["https://example.org/velib"],
    )
    bad = [
        line(source_url="https://example.org/b1", budget_band="a lot"),
        line(source_url="https://example.org/b2", links=["javascript:alert(1)"]),
        line(source_url="https://example.org/b3", links="https://example.org"),
        line(source_url="https://example.org/b4", awards=["a prize"]),
        line(source_url="https://example.org/b5", contacts="x" * 2001),
    ]
    with pytest.raises(CommandError, match="5 line"):
        call_command("import_practices", str(write(tmp_path, [good, *bad])))
    err = capsys.readouterr().err
    assert "line 2: budget_band must be one of" in err
    assert "line 3: links:" in err and "is not a web address" in err
    assert "line 4: links must be a list of web addresses" in err
    assert "line 5: awards must be text" in err
    assert "line 6: contacts: At most 2000 characters." in err
    practice = Practice.objects.get()
    assert practice.main_actors == "Mairie de Paris, JCDecaux"
    assert (practice.budget_band, practice.links) == ("1m-10m", ["https://example.org/velib"])
    assert practice.contacts == "Direction de la voirie — équipe vélo"
