"""The platform's three languages, named once.

Everything that lists the languages (model choices, settings, search fields, imports, the API)
reads them from here, so adding a language is one edit plus its catalogue and analyzer.
`LANGUAGES` carries each language's own name (an autonym, as language pickers show it);
`config.settings.LANGUAGES` pairs the same codes with names translated into the interface's
language.
"""

from __future__ import annotations

from django.utils import translation

LANGUAGES: list[tuple[str, str]] = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in LANGUAGES)
DEFAULT_LANGUAGE = LANGUAGE_CODES[0]


def current_language() -> str:
    """The two-letter code of the language active in this thread (the reader's), or English."""
    code = (translation.get_language() or DEFAULT_LANGUAGE)[:2]
    return code if code in LANGUAGE_CODES else DEFAULT_LANGUAGE
