"""Who may do what with a practice. Used by services (which enforce) and pages (which only
show the buttons a user may press)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from cities.models import City, CityMembership

from .models import Practice

AnyUser = User | AnonymousUser


def is_editor(user: AnyUser) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("practices.review_practice")
    )


def is_member(user: AnyUser, city: City | int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    city_id = city if isinstance(city, int) else city.pk
    return CityMembership.objects.filter(user_id=user.pk, city_id=city_id).exists()


def is_official(user: AnyUser, city: City | int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    city_id = city if isinstance(city, int) else city.pk
    return CityMembership.objects.filter(
        user_id=user.pk, city_id=city_id, role=CityMembership.Role.OFFICIAL
    ).exists()


EDITABLE_BY_MEMBERS = {Practice.ReviewState.DRAFT, Practice.ReviewState.CHANGES_REQUESTED}


def can_edit(user: AnyUser, practice: Practice) -> bool:
    """Members of the owning city edit drafts and practices sent back for changes; editors edit
    any practice that is not archived (to correct a published one without unpublishing it)."""
    if practice.review_state == Practice.ReviewState.ARCHIVED:
        return False
    if is_editor(user):
        return True
    return practice.review_state in EDITABLE_BY_MEMBERS and is_member(user, practice.city_id)
