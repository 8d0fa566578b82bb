"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def language_alternates(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    """The address of this page in each language, for <link rel="alternate" hreflang>: search
    engines and shared links then point people to the page in their own language."""
    path = request.get_full_path()
    if not request.resolver_match or not path.startswith(
        tuple(f"/{code}/" for code, _name in settings.LANGUAGES)
    ):
        return {"language_alternates": []}
    return {
        "language_alternates": [
            (code, request.build_absolute_uri(translate_url(path, code)))
            for code, _name in settings.LANGUAGES
        ]
    }
