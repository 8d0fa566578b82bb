"""Writes for following: saved searches, bookmarks, unsubscribing.

Unsubscribe tokens are signed with django.core.signing (salt UNSUBSCRIBE_SALT) over the user's
id and the ids of the saved searches a mail was about: a digest mail's token stops the
searches it listed, a link beside one search stops that one. Nothing else can be made from
them, they do not expire (a mail may be read months later), and a search already deleted or
stopped is simply not there to stop again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.permissions import is_active_user
from core.text import clean_text
from practices.models import Practice
from search.params import parse_search_params, query_to_params

from .models import Bookmark, SavedSearch

UNSUBSCRIBE_SALT = "following.unsubscribe"
MAX_SAVED_SEARCHES = 50


def saved_search_normalise(*, query_string: str) -> str:
    """The search of a query string as the search page reads it, in one spelling: facets in
    their declared order, values once, no page and no sort (a digest lists news, newest
    first, whatever order the page showed). Raises ValidationError for a search the page
    would refuse."""
    query = parse_search_params(QueryDict(query_string.lstrip("?")))
    pairs = query_to_params(query, sort="relevance", page=1)
    return urlencode(pairs)


def _own(user: User, saved: SavedSearch) -> None:
    if not is_active_user(user) or saved.user_id != user.pk:
        raise PermissionDenied(_("This is not your saved search."))


def saved_search_save(*, user: User, query_string: str, name: str, frequency: str) -> SavedSearch:
    """Save a search for `user` (the same search saved again renames it and sets its
    frequency: one row per search and user)."""
    if not is_active_user(user):
        raise PermissionDenied(_("Sign in to save a search."))
    query = saved_search_normalise(query_string=query_string)
    name = clean_text(name, single_line=True).strip()[:120]
    if not name:
        raise ValidationError({"name": [_("Give the search a name.")]})
    if frequency not in SavedSearch.Frequency.values:
        raise ValidationError({"frequency": [_("Choose how often to be told.")]})
    with transaction.atomic():
        existing = (
            SavedSearch.objects.select_for_update(no_key=True)
            .filter(user=user, query=query)
            .first()
        )
        if existing is not None:
            existing.name, existing.frequency = name, frequency
            existing.save(update_fields=["name", "frequency"])
            return existing
        if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
            raise ValidationError(
                _("You can keep at most %(max)d saved searches; delete one first.")
                % {"max": MAX_SAVED_SEARCHES}
            )
        now = timezone.now()
        return SavedSearch.objects.create(
            user=user, query=query, name=name, frequency=frequency, created_at=now, news_since=now
        )


def saved_search_set_frequency(*, saved: SavedSearch, by: User, frequency: str) -> SavedSearch:
    _own(by, saved)
    if frequency not in SavedSearch.Frequency.values:
        raise ValidationError({"frequency": [_("Choose how often to be told.")]})
    with transaction.atomic():
        fields = ["frequency"]
        if saved.frequency == SavedSearch.Frequency.NONE and frequency != saved.frequency:
            # Turning mail back on: news from now on, not everything since the search was saved.
            saved.news_since = timezone.now()
            fields.append("news_since")
        saved.frequency = frequency
        saved.save(update_fields=fields)
    return saved


def saved_search_delete(*, saved: SavedSearch, by: User) -> None:
    _own(by, saved)
    saved.delete()


# -- unsubscribing ----------------------------------------------------------------------------


def unsubscribe_token(*, user_id: int, saved_search_ids: list[int]) -> str:
    return signing.dumps({"u": user_id, "s": sorted(saved_search_ids)}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_targets(*, token: str) -> list[SavedSearch]:
    """The saved searches a token stops that still send mail (possibly none). Raises
    signing.BadSignature for a token that was not made here or was altered."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not (isinstance(data, dict) and isinstance(data.get("u"), int)):
        raise signing.BadSignature("unexpected payload")
    ids = [i for i in data.get("s", []) if isinstance(i, int)]
    return list(
        SavedSearch.objects.filter(user_id=data["u"], pk__in=ids).exclude(
            frequency=SavedSearch.Frequency.NONE
        )
    )


def unsubscribe(*, token: str) -> list[SavedSearch]:
    """Stop the mail of the searches the token names (they stay saved, without mail), for
    whoever holds the token: it came in the user's mail. Returns those it stopped."""
    with transaction.atomic():
        targets = unsubscribe_targets(token=token)
        SavedSearch.objects.filter(pk__in=[s.pk for s in targets]).update(
            frequency=SavedSearch.Frequency.NONE
        )
    return targets


# -- bookmarks --------------------------------------------------------------------------------


def bookmark_add(*, user: User, practice: Practice) -> Bookmark:
    if not is_active_user(user):
        raise PermissionDenied(_("Sign in to keep a list."))
    if practice.review_state != Practice.ReviewState.PUBLISHED:
        raise ValidationError(_("Only published practices can be added to your list."))
    try:
        with transaction.atomic():
            bookmark, _created = Bookmark.objects.get_or_create(user=user, practice=practice)
    except IntegrityError:  # the same click twice, at once
        bookmark = Bookmark.objects.get(user=user, practice=practice)
    return bookmark


def bookmark_remove(*, user: User, practice: Practice) -> None:
    if not is_active_user(user):
        raise PermissionDenied(_("Sign in to keep a list."))
    Bookmark.objects.filter(user=user, practice=practice).delete()
