"""Who reads which thread: the one rule, used by the pages, the API and the mails.

- A broker (the secretariat) reads every thread.
- A request thread: the members of the requesting city.
- A proposal thread: the members of the requesting city and of the proposed peer city, once
  the peer was proposed (the Match has an Exchange). A peer city never reads another peer's
  thread nor the request thread.
- A practice question: the person who asked and the members of the practice's city.

Anything else does not exist for the reader (404), as for exchanges (exchanges.selectors).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from cities.models import City, CityMembership
from core.permissions import is_active_user, is_broker

from .models import Message, PracticeContact, Thread, ThreadRead

K = Thread.Kind


def _city_ids(user: User | AnonymousUser) -> list[int]:
    if not isinstance(user, User) or not is_active_user(user):
        return []
    return list(user.memberships.values_list("city_id", flat=True))


def thread_visible_to(*, user: User | AnonymousUser) -> QuerySet[Thread]:
    if not is_active_user(user):
        return Thread.objects.none()
    if is_broker(user):
        return Thread.objects.all()
    cities = _city_ids(user)
    return Thread.objects.filter(
        Q(kind=K.REQUEST, request__city_id__in=cities)
        | Q(kind=K.PROPOSAL, match__request__city_id__in=cities)
        | Q(kind=K.PROPOSAL, match__peer_city_id__in=cities, match__exchange__isnull=False)
        | Q(kind=K.PRACTICE, asker=user)
        | Q(kind=K.PRACTICE, practice__city_id__in=cities)
    )


def thread_inbox(*, user: User) -> QuerySet[Thread]:
    """The threads with at least one message the user may read, latest first, each with
    `unread`: the messages of others after the last one the user read."""
    last_read = ThreadRead.objects.filter(thread=OuterRef("pk"), user=user).values(
        "last_message_id"
    )[:1]
    return (
        thread_visible_to(user=user)
        .filter(last_message_at__isnull=False)
        .annotate(read_up_to=Coalesce(Subquery(last_read), Value(0), output_field=IntegerField()))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__pk__gt=F("read_up_to")) & ~Q(messages__author=user),
            )
        )
        .select_related(
            "request__city", "match__request__city", "match__peer_city", "practice", "asker_city"
        )
        .order_by("-last_message_at", "-pk")
    )


def thread_messages(*, thread: Thread) -> QuerySet[Message]:
    return thread.messages.select_related("author", "author_city").order_by("created_at", "pk")


def thread_cities(*, thread: Thread) -> list[City]:
    """The cities taking part, the one that started first."""
    if thread.kind == K.REQUEST:
        assert thread.request is not None
        return [thread.request.city]
    if thread.kind == K.PROPOSAL:
        assert thread.match is not None
        return [thread.match.request.city, thread.match.peer_city]
    assert thread.practice is not None
    cities = [thread.asker_city] if thread.asker_city else []
    return [*cities, thread.practice.city]


@dataclass
class Participant:
    """A city taking part, with the people who read for it."""

    city: City
    people: list[User]


def thread_participants(*, thread: Thread) -> list[Participant]:
    """Each city of the thread with its members (for a practice question: the asker for their
    city, and the practice's named contacts, or all its members when it names none)."""
    out = []
    for city in thread_cities(thread=thread):
        people = [
            m.user
            for m in CityMembership.objects.filter(city=city, user__is_active=True)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__email")
        ]
        if thread.kind == K.PRACTICE:
            if city.pk == thread.asker_city_id:
                people = [thread.asker] if thread.asker else []
            else:
                assert thread.practice is not None
                contacts = practice_contacts(practice_id=thread.practice.pk)
                people = contacts or people
        out.append(Participant(city=city, people=people))
    return out


def practice_contacts(*, practice_id: int) -> list[User]:
    """The contact people of a practice, in their order; only active members of its city
    count (someone who left the city stops being a contact without a cleanup)."""
    rows = PracticeContact.objects.filter(
        practice_id=practice_id,
        user__is_active=True,
        user__memberships__city_id=F("practice__city_id"),
    )
    return [c.user for c in rows.select_related("user").order_by("order", "pk")]
