"""What every page needs to draw a bookmark button: the ids of the practices on the user's
list, read once per page and only if a template asks (lazily). Pages of the lower apps (the
search results, the practice page) include following/_bookmark_button.html without importing
this app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import bookmarked_ids


def bookmarks(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "bookmarked_ids": SimpleLazyObject(
            lambda: bookmarked_ids(user=user) if user is not None else frozenset()
        )
    }
