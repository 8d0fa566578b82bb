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
