"""The lifecycle of an exchange, as an explicit table of steps (run by core.workflow).

An Exchange is created, in state "proposed", when a broker proposes a peer city for a request.

    proposed -accept-> accepted -schedule-> scheduled -start-> in_progress -complete-> completed
    proposed -decline-> declined
    proposed | accepted | scheduled | in_progress -cancel-> cancelled
    completed -> evaluated, once both cities have recorded their evaluation

Who may take each step ("actors") is described in the table below (`actors=`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.permissions import OFFICIAL, AnyUser, city_roles, is_broker
from core.workflow import StateMachine, Step

from .models import Exchange, ExchangeEvent

S = Exchange.State
OPEN_STATES = frozenset({S.PROPOSED, S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS})


def roles_in(user: AnyUser, exchange: Exchange) -> set[str]:
    """The actor names this user holds for this exchange."""
    roles = {"broker"} if is_broker(user) else set()
    requester_id = exchange.match.request.city_id
    peer_id = exchange.match.peer_city_id
    for city_id, role in city_roles(user, [requester_id, peer_id]).items():
        roles.add("member")
        if role == OFFICIAL:
            roles.add("official")
            if city_id == requester_id:
                roles.add("requester_official")
        if city_id == peer_id:
            roles.add("peer")
    return roles


LIFECYCLE: StateMachine[Exchange] = StateMachine(
    model=Exchange,
    state_field="state",
    actors={
        "peer": "a member (practitioner or official) of the peer city",
        "requester_official": "an official of the requesting city",
        "official": "an official of either city",
        "member": "a member of either city",
        "broker": "a broker (secretariat staff with the broker permission)",
    },
    roles=roles_in,
    history=ExchangeEvent,
    history_fk="exchange",
    wrong_state=_("This exchange is %(state)s: it cannot be moved this way."),
    note_missing=_("Say why, in a few words."),
    steps=[
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
    ],
)
# completed -> evaluated happens when both cities have recorded their evaluation
# (exchanges.services.exchange_evaluate), not through a button.
STEPS = LIFECYCLE.steps


def available_steps(user: AnyUser, exchange: Exchange) -> list[Step]:
    return LIFECYCLE.available_to(user, exchange)
