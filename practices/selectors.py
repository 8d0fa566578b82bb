"""Reads for practices. Who may see what is decided here, once, for the web and the API."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import User
from cities.models import City

from .models import Challenge, Practice, Sdg, Topic


def practice_visible_to(*, user: User | AnonymousUser) -> QuerySet[Practice]:
    """Published practices for everyone; drafts too for members of the owning city and editors."""
    published = Q(review_state=Practice.ReviewState.PUBLISHED)
    if not user.is_authenticated:
        return Practice.objects.filter(published)
    if user.has_perm("practices.review_practice"):
        return Practice.objects.all()
    return Practice.objects.filter(published | Q(city__memberships__user=user)).distinct()


def practice_published_list(
    *, challenge: str = "", city: City | None = None, language: str = ""
) -> QuerySet[Practice]:
    practices = (
        Practice.objects.filter(review_state=Practice.ReviewState.PUBLISHED)
        .select_related("city__country")
        .prefetch_related("challenges")
        .order_by("-published_at", "-id")
    )
    if challenge:
        practices = practices.filter(challenges__slug=challenge)
    if city is not None:
        practices = practices.filter(Q(city=city) | Q(partner_cities=city)).distinct()
    if language:
        practices = practices.filter(language=language)
    return practices


def practice_get_visible(*, pk: int, user: User | AnonymousUser) -> Practice:
    """The practice if this user may read it; Practice.DoesNotExist otherwise (a 404, not 403,
    so that drafts of other cities do not reveal that they exist)."""
    return (
        practice_visible_to(user=user)
        .select_related("city__country__subregion__parent", "created_by")
        .prefetch_related("challenges", "sdgs", "topics", "partner_cities")
        .get(pk=pk)
    )


def taxonomy() -> dict[str, QuerySet]:
    return {
        "challenges": Challenge.objects.all(),
        "sdgs": Sdg.objects.all(),
        "topics": Topic.objects.all(),
    }
