"""Labels for codes, in the reader's language: pages never show "en, ha" or "study-visit"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from babel import Locale, UnknownLocaleError
from django import template

from core.languages import current_language

register = template.Library()


@register.filter
def language_names(codes: Iterable[str] | None) -> str:
    """ISO 639-1 codes as language names in the reader's language, capitalised as that
    language writes them in a list ("anglais, haoussa" in French; "English, Hausa")."""
    names: Mapping[str, str]
    try:
        names = Locale.parse(current_language()).languages
    except (UnknownLocaleError, ValueError):
        names = {}
    return ", ".join(names.get(str(code), str(code)) for code in (codes or []))


@register.filter
def language_name(code: str | None) -> str:
    """One ISO 639-1 code as `language_names` writes it ("anglais" in French, "English")."""
    return language_names([code]) if code else ""
