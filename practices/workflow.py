"""The review workflow of a practice, as an explicit table of steps (run by core.workflow).

    draft ──submit──▶ submitted ──publish──▶ published ──archive──▶ archived
      ▲                 │  │                    │                      │
      └────withdraw─────┘  └─request_changes─▶ changes_requested ◀─unpublish
                                                  │                    │
                                    submit ◀──────┘        restore ◀───┘ (to published)

Who may take each step ("actors") is described in the table below (`actors=`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.permissions import OFFICIAL, AnyUser, city_roles, is_editor
from core.workflow import StateMachine, Step

from .models import Practice, PracticeTransition

S = Practice.ReviewState


def roles_in(user: AnyUser, practice: Practice) -> set[str]:
    """The actor names this user holds for this practice."""
    roles = {"editor"} if is_editor(user) else set()
    role = city_roles(user, [practice.city_id]).get(practice.city_id)
    if role is not None:
        roles.add("member")
        if role == OFFICIAL:
            roles.add("official")
    return roles


REVIEW: StateMachine[Practice] = StateMachine(
    model=Practice,
    state_field="review_state",
    actors={
        "member": "a member (practitioner or official) of the practice's city",
        "official": "an official of the practice's city",
        "editor": "an editor (secretariat staff with the review permission)",
        "import": "the import of a source (manage.py import_practices; --publish for trusted "
        "sources), acting for the platform",
    },
    roles=roles_in,
    history=PracticeTransition,
    history_fk="practice",
    wrong_state=_("This practice is %(state)s: it cannot be moved this way."),
    note_missing=_("Say why, for the authors."),
    steps=[
        Step(
            "submit",
            frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
            S.SUBMITTED,
            frozenset({"member", "import"}),
            False,
            _("Submit for review"),
        ),
        Step(
            "withdraw",
            frozenset({S.SUBMITTED}),
            S.DRAFT,
            frozenset({"member"}),
            False,
            _("Withdraw to draft"),
        ),
        Step(
            "publish",
            frozenset({S.SUBMITTED}),
            S.PUBLISHED,
            frozenset({"editor", "import"}),
            False,
            _("Publish"),
        ),
        Step(
            "request_changes",
            frozenset({S.SUBMITTED}),
            S.CHANGES_REQUESTED,
            frozenset({"editor"}),
            True,
            _("Request changes"),
        ),
        Step(
            "unpublish",
            frozenset({S.PUBLISHED}),
            S.CHANGES_REQUESTED,
            frozenset({"editor"}),
            True,
            _("Unpublish"),
        ),
        Step(
            "archive",
            frozenset({S.PUBLISHED}),
            S.ARCHIVED,
            frozenset({"official", "editor"}),
            False,
            _("Archive"),
        ),
        Step(
            "restore",
            frozenset({S.ARCHIVED}),
            S.PUBLISHED,
            frozenset({"editor"}),
            False,
            _("Restore"),
        ),
    ],
)
TRANSITIONS = REVIEW.steps


def available_transitions(user: AnyUser, practice: Practice) -> list[Step]:
    """The steps this user may take from the practice's current state."""
    return REVIEW.available_to(user, practice)
