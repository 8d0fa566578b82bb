"""The lifecycle of an exchange, as an explicit table of transitions.

An Exchange is created, in state "proposed", when a broker proposes a peer city for a request.

    proposed -accept-> accepted -schedule-> scheduled -start-> in_progress -complete-> completed
    proposed -decline-> declined
    proposed | accepted | scheduled | in_progress -cancel-> cancelled
    completed -> evaluated, once both cities have recorded their evaluation

Who may make each step ("actors"):
- "peer": a member (practitioner or official) of the peer city;
- "requester_official": an official of the requesting city;
- "official": an official of either city;
- "member": a member of either city;
- "broker": secretariat staff with the broker permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import User
from cities.models import CityMembership

from .models import Exchange

S = Exchange.State
OPEN_STATES = frozenset({S.PROPOSED, S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS})


def is_broker(user: User | AnonymousUser) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("exchanges.broker_exchange")
    )


def roles_in(user: User | AnonymousUser, exchange: Exchange) -> set[str]:
    """The actor names this user holds for this exchange."""
    roles: set[str] = set()
    if not user.is_authenticated or not user.is_active:
        return roles
    if is_broker(user):
        roles.add("broker")
    requester_id = exchange.match.request.city_id
    peer_id = exchange.match.peer_city_id
    for city_id, role in CityMembership.objects.filter(
        user_id=user.pk, city_id__in=[requester_id, peer_id]
    ).values_list("city_id", "role"):
        roles.add("member")
        if role == CityMembership.Role.OFFICIAL:
            roles.add("official")
            if city_id == requester_id:
                roles.add("requester_official")
        if city_id == peer_id:
            roles.add("peer")
    return roles


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    note_required: bool
    label: StrOrPromise


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "accept", frozenset({S.PROPOSED}), S.ACCEPTED, frozenset({"peer"}), False, _("Accept")
        ),
        Step(
            "decline", frozenset({S.PROPOSED}), S.DECLINED, frozenset({"peer"}), True, _("Decline")
        ),
        Step(
            "schedule",
            frozenset({S.ACCEPTED}),
            S.SCHEDULED,
            frozenset({"broker", "official"}),
            False,
            _("Schedule"),
        ),
        Step(
            "start",
            frozenset({S.SCHEDULED}),
            S.IN_PROGRESS,
            frozenset({"broker", "member"}),
            False,
            _("Start"),
        ),
        Step(
            "complete",
            frozenset({S.IN_PROGRESS}),
            S.COMPLETED,
            frozenset({"broker", "official"}),
            False,
            _("Mark completed"),
        ),
        Step(
            "cancel",
            OPEN_STATES,
            S.CANCELLED,
            frozenset({"broker", "requester_official"}),
            True,
            _("Cancel"),
        ),
    ]
}
# completed -> evaluated happens when both cities have recorded their evaluation
# (exchanges.services.exchange_evaluate), not through a button.


def available_steps(user: User | AnonymousUser, exchange: Exchange) -> list[Step]:
    roles = roles_in(user, exchange)
    return [s for s in STEPS.values() if exchange.state in s.sources and roles & s.actors]
