"""Reads for practices. Who may see what is decided here, once, for the web and the API.

- Lists (home, practice list, city profile, search) show published practices only.
- A practice page is reachable by everyone when the practice is published or archived (an
  archived one carries a notice and has left search); drafts, submitted practices and those
  sent back for changes only by members of the owning city and by editors.
- A practice a user may not see does not exist for them (404), so drafts reveal nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from cities.models import City
from cities.selectors import region_filter
from core.permissions import is_editor, is_member
from core.workflow import Step

from .models import Challenge, Practice, PracticeAttachment, PracticeTransition, Sdg, Topic
from .permissions import can_delete, can_edit
from .workflow import available_transitions

PUBLIC_STATES = [Practice.ReviewState.PUBLISHED, Practice.ReviewState.ARCHIVED]


def published_count(relation: str = "practices") -> Count:
    """The number of published practices reached through `relation` (for `annotate`): the one
    definition of what counts as published, for cities, challenges and anything else."""
    return Count(
        relation, filter=Q(**{f"{relation}__review_state": Practice.ReviewState.PUBLISHED})
    )


def practice_visible_to(*, user: User | AnonymousUser) -> QuerySet[Practice]:
    public = Q(review_state__in=PUBLIC_STATES)
    if not user.is_authenticated:
        return Practice.objects.filter(public)
    if is_editor(user):
        return Practice.objects.all()
    member_city_ids = list(user.memberships.values_list("city_id", flat=True))
    return Practice.objects.filter(public | Q(city_id__in=member_city_ids))


@dataclass(frozen=True)
class PracticePermissions:
    """What a user may do with a practice they can see. The page shows these buttons and the
    API lists these `actions`; the services enforce the same rules on every write."""

    can_edit: bool
    # Drafts never published, by their city's members (practices.permissions.can_delete).
    can_delete: bool
    # The review history and its notes are the city's and the editors' business.
    sees_history: bool
    transitions: list[Step]

    @property
    def actions(self) -> list[str]:
        return (
            (["edit"] if self.can_edit else [])
            + (["delete"] if self.can_delete else [])
            + [t.name for t in self.transitions]
        )


def practice_permissions_for(
    *, practice: Practice, user: User | AnonymousUser
) -> PracticePermissions:
    return PracticePermissions(
        can_edit=can_edit(user, practice),
        can_delete=can_delete(user, practice),
        sees_history=is_editor(user) or is_member(user, practice.city_id),
        transitions=available_transitions(user, practice),
    )


def practice_tagged(
    *,
    practices: QuerySet[Practice],
    challenges: Iterable[Challenge] | None = None,
    sdgs: Iterable[Sdg] | None = None,
    topics: Iterable[Topic] | None = None,
) -> QuerySet[Practice]:
    """The practices tagged with any of `challenges` (when given), and any of `sdgs`, and any
    of `topics`. Selected through the link tables (`pk IN (…)`), not a join: a join needs
    DISTINCT over every column, which cost 200 ms a page at 100,000 practices."""
    for terms, through, column in (
        (challenges, Practice.challenges.through, "challenge"),
        (sdgs, Practice.sdgs.through, "sdg"),
        (topics, Practice.topics.through, "topic"),
    ):
        if terms is not None:
            linked = through.objects.filter(**{f"{column}__in": terms}).values("practice_id")
            practices = practices.filter(pk__in=linked)
    return practices


def practice_in_region(*, practices: QuerySet[Practice], region: str) -> QuerySet[Practice]:
    """The practices of cities in the UN M49 region or sub-region `region`."""
    return practices.filter(region_filter(code=region, city="city"))


def _with_cards(practices: QuerySet[Practice]) -> QuerySet[Practice]:
    return practices.select_related("city__country", "cover").prefetch_related(
        "translations", "challenges"
    )


def practice_published_list(
    *, challenge: str = "", city: City | None = None, language: str = ""
) -> QuerySet[Practice]:
    practices = Practice.objects.filter(review_state=Practice.ReviewState.PUBLISHED).order_by(
        "-published_at", "-id"
    )
    if challenge:
        practices = practice_tagged(
            practices=practices, challenges=Challenge.objects.filter(slug=challenge)
        )
    if city is not None:
        practices = practices.filter(Q(city=city) | Q(partner_cities=city)).distinct()
    if language:
        practices = practices.filter(language=language)
    return _with_cards(practices)


def practice_get_visible(*, pk: int, user: User | AnonymousUser) -> Practice:
    """The practice if this user may read it; Practice.DoesNotExist otherwise."""
    return (
        practice_visible_to(user=user)
        .select_related("city__country__subregion__parent", "created_by", "cover")
        .prefetch_related(
            "translations",
            "challenges",
            "sdgs",
            "topics",
            "partner_cities",
            "attachments",
            Prefetch("transitions", queryset=PracticeTransition.objects.select_related("by")),
        )
        .get(pk=pk)
    )


def attachment_get_visible(*, attachment_id: int, user: User | AnonymousUser) -> PracticeAttachment:
    """The attachment if this user may read its practice (the rule above: a draft's files
    only for the city's members and editors); PracticeAttachment.DoesNotExist otherwise."""
    return PracticeAttachment.objects.select_related("practice").get(
        pk=attachment_id, practice__in=practice_visible_to(user=user)
    )


def practice_list_for_member(*, user: User) -> QuerySet[Practice]:
    """Every practice of the user's cities, whatever its state, most recently changed first."""
    city_ids = user.memberships.values_list("city_id", flat=True)
    return _with_cards(Practice.objects.filter(city_id__in=city_ids).order_by("-updated_at"))


def practice_review_queue(
    *, user: User, challenge: Challenge | None = None, region: str = "", language: str = ""
) -> QuerySet[Practice]:
    """Submitted practices, oldest submission first. Editors only."""
    if not is_editor(user):
        return Practice.objects.none()
    practices = Practice.objects.filter(review_state=Practice.ReviewState.SUBMITTED)
    if challenge is not None:
        practices = practice_tagged(practices=practices, challenges=[challenge])
    if region:
        practices = practice_in_region(practices=practices, region=region)
    if language:
        practices = practices.filter(language=language)
    return _with_cards(practices.order_by("submitted_at", "id"))


def taxonomy() -> dict[str, QuerySet]:
    return {
        "challenges": Challenge.objects.all(),
        "sdgs": Sdg.objects.all(),
        "topics": Topic.objects.all(),
    }


def practice_most_adapted(*, limit: int = 6) -> QuerySet[Practice]:
    """Published practices other cities have adopted or adapted, most adaptations first."""
    return (
        practice_published_list()
        .filter(adapted_count__gt=0)
        .order_by("-adapted_count", "-published_at")[:limit]
    )


def practice_dashboard(*, city_id: int) -> dict[str, QuerySet[Practice]]:
    """A city's practices grouped by what its members have to do with them."""
    mine = _with_cards(Practice.objects.filter(city_id=city_id)).order_by("-updated_at")
    state = Practice.ReviewState
    return {
        "to_work_on": mine.filter(review_state__in=[state.DRAFT, state.CHANGES_REQUESTED]),
        "in_review": mine.filter(review_state=state.SUBMITTED),
        "published": mine.filter(review_state=state.PUBLISHED)[:10],
    }
