"""The review workflow of a practice, as an explicit table of transitions.

    draft ──submit──▶ submitted ──publish──▶ published ──archive──▶ archived
      ▲                 │  │                    │                      │
      └────withdraw─────┘  └─request_changes─▶ changes_requested ◀─unpublish
                                                  │                    │
                                    submit ◀──────┘        restore ◀───┘ (to published)

Each transition names who may make it:
- "member": a practitioner or official of the practice's city;
- "editor": secretariat staff with the review permission;
- "official_or_editor": an official of the city, or an editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from .models import Practice
from .permissions import AnyUser, is_editor, is_member, is_official

S = Practice.ReviewState


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    who: str
    note_required: bool
    label: StrOrPromise

    def allowed_for(self, user: AnyUser, practice: Practice) -> bool:
        if self.who == "member":
            return is_member(user, practice.city_id)
        if self.who == "editor":
            return is_editor(user)
        if self.who == "official_or_editor":
            return is_editor(user) or is_official(user, practice.city_id)
        raise AssertionError(f"unknown actor {self.who}")


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
            S.SUBMITTED,
            "member",
            False,
            _("Submit for review"),
        ),
        Transition(
            "withdraw", frozenset({S.SUBMITTED}), S.DRAFT, "member", False, _("Withdraw to draft")
        ),
        Transition("publish", frozenset({S.SUBMITTED}), S.PUBLISHED, "editor", False, _("Publish")),
        Transition(
            "request_changes",
            frozenset({S.SUBMITTED}),
            S.CHANGES_REQUESTED,
            "editor",
            True,
            _("Request changes"),
        ),
        Transition(
            "unpublish",
            frozenset({S.PUBLISHED}),
            S.CHANGES_REQUESTED,
            "editor",
            True,
            _("Unpublish"),
        ),
        Transition(
            "archive",
            frozenset({S.PUBLISHED}),
            S.ARCHIVED,
            "official_or_editor",
            False,
            _("Archive"),
        ),
        Transition("restore", frozenset({S.ARCHIVED}), S.PUBLISHED, "editor", False, _("Restore")),
    ]
}


def available_transitions(user: AnyUser, practice: Practice) -> list[Transition]:
    """The steps this user may take from the practice's current state."""
    return [
        t
        for t in TRANSITIONS.values()
        if practice.review_state in t.sources and t.allowed_for(user, practice)
    ]
