"""Who may edit a practice: the one practice-specific rule. It is built from the membership
and staff checks of core.permissions (which every app shares). Used by services (which enforce)
and pages (which only show the buttons a user may press)."""

from __future__ import annotations

from core.permissions import AnyUser, is_editor, is_member

from .models import Practice

EDITABLE_BY_MEMBERS = {Practice.ReviewState.DRAFT, Practice.ReviewState.CHANGES_REQUESTED}


def can_edit(user: AnyUser, practice: Practice) -> bool:
    """Members of the owning city edit drafts and practices sent back for changes; editors edit
    any practice that is not archived (to correct a published one without unpublishing it)."""
    if practice.review_state == Practice.ReviewState.ARCHIVED:
        return False
    if is_editor(user):
        return True
    return practice.review_state in EDITABLE_BY_MEMBERS and is_member(user, practice.city_id)


def was_published(practice: Practice) -> bool:
    """Once published, a practice has been read, cited and perhaps indexed elsewhere: it is
    archived, never deleted. `published_at` is kept through unpublishing."""
    return practice.published_at is not None or practice.review_state in (
        Practice.ReviewState.PUBLISHED,
        Practice.ReviewState.ARCHIVED,
    )


def can_delete(user: AnyUser, practice: Practice) -> bool:
    """Members of the owning city delete its drafts (and those sent back for changes) that were
    never published. Editors do not: a city's unfinished work is the city's to drop; the
    secretariat sends back or archives."""
    return (
        practice.review_state in EDITABLE_BY_MEMBERS
        and not was_published(practice)
        and is_member(user, practice.city_id)
    )
