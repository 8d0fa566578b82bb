"""The French and Spanish catalogues are complete: every string the interface marks for
translation (templates and Python) has a translation, none is fuzzy, and every translation keeps
the placeholders of its original.

Extraction here needs no GNU gettext: Django's own `templatize` turns a template into the
gettext calls `makemessages` would see, and Babel reads those and the Python sources."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "api", "cities", "config", "core", "exchanges", "portal", "practices", "search"]
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}")


def _key(message):
    text = message if isinstance(message, str) else message[0]
    return text


def _extracted():
    found = {}
    sources = [p for app in APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    for path in sources:
        with path.open("rb") as f:
            for _, message, _, context in extract("python", f, keywords=KEYWORDS):
                found[(context, _key(message))] = str(path.relative_to(ROOT))
    templates = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    for path in templates:
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        stream = io.BytesIO(code.encode("utf-8"))
        for _, message, _, context in extract("python", stream, keywords=KEYWORDS):
            found[(context, _key(message))] = str(path.relative_to(ROOT))
    return found


def _catalogue(language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as f:
        return read_po(f)


def test_extraction_sees_the_interface():
    found = {text for _, text in _extracted()}
    # One string from a template, one from Python, one plural, one block with a variable.
    assert {"Search practices", "No such practice.", "%(counter)s practice"} <= found
    assert "Exchange request of %(city)s" in found


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_interface_string_is_translated(language):
    catalogue = _catalogue(language)
    translated = {
        (m.context, _key(m.id))
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(
        f"{where}: {text!r}"
        for (context, text), where in _extracted().items()
        if (context, text) not in translated
    )
    assert not missing, f"untranslated in {language} (run `make makemessages`):\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_entry_is_fuzzy_empty_or_loses_a_placeholder(language):
    problems = []
    for m in _catalogue(language):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"empty: {ids[0]!r}")
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # A singular may leave out the count ("un jour"), never add a placeholder.
            if set(PLACEHOLDER.findall(string)) - set(PLACEHOLDER.findall(" ".join(ids))):
                problems.append(f"placeholder added: {ids[0]!r} -> {string!r}")
            if len(ids) == 1 and set(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems)
