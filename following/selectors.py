"""Reads for following."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from core.permissions import is_active_user
from practices.models import Practice

from .models import Bookmark, SavedSearch


def saved_search_list(*, user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user)


def bookmark_list(*, user: User) -> QuerySet[Bookmark]:
    """The user's list, newest first; practices no longer published are left out (they come
    back if published again)."""
    return (
        Bookmark.objects.filter(user=user, practice__review_state=Practice.ReviewState.PUBLISHED)
        .select_related("practice__city__country")
        .prefetch_related("practice__translations")
    )


def bookmarked_ids(*, user: User | AnonymousUser) -> frozenset[int]:
    if not is_active_user(user):
        return frozenset()
    ids = Bookmark.objects.filter(user=cast(User, user)).values_list("practice_id", flat=True)
    return frozenset(ids)
