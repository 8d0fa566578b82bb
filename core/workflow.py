"""One transition machinery for the platform's state machines: the review of a practice
(practices/workflow.py) and the lifecycle of an exchange (exchanges/workflow.py).

A state machine is an explicit table of steps. Each step names the states it leaves from, the
state it leads to, the actors who may take it, and whether the actor must say why. Which actor
names a user holds for an object is the owning app's rule, given to the machine as a function.

One check runs before every write, in this order:
  1. may one of the user's actor names take the step? Otherwise PermissionDenied: someone who
     may not act is not told anything about the object's state;
  2. does the step leave from the object's state? Otherwise InvalidTransition (409): someone
     was quicker, or the page was stale;
  3. is the note there when the step requires one? Otherwise a ValidationError on "note".

`StateMachine.perform` is the whole write, in one transaction: look the step up, lock the row
(select_for_update, so two people acting at once end in one consistent state and a clear error
for the loser; FOR NO KEY UPDATE on PostgreSQL, which serialises writers of the row but not
the foreign-key checks of rows that point at it, so inserting a history row or a bookmark of
that row elsewhere does not deadlock with it), check, let the app apply its own rules and
fields, move, record the history row, then the app's after-effects (search outbox,
notifications). A step naming an actor the table does not declare, or a state the model does
not know, is refused when the table is built (at import), not at the first click.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from .errors import InvalidTransition, PermissionDenied
from .permissions import AnyUser
from .text import clean_text

M = TypeVar("M", bound=models.Model)

NOTE_LIMIT = 5000


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    note_required: bool
    label: StrOrPromise


@dataclass(frozen=True)
class Move(Generic[M]):
    """A step being taken, as the app's hooks see it: `obj` is the locked row."""

    obj: M
    step: Step
    from_state: str
    by: AbstractUser | None  # None: the platform itself, as a named actor (see perform)
    note: str
    at: datetime


class StateMachine(Generic[M]):
    """A table of steps over one model's state field, with its history model.

    `roles(user, obj)` gives the actor names the user holds for the object; `actors` describes
    every actor name the table may use (in words, for the API's documentation). `history` is
    the model recording each move: a foreign key `history_fk` to the object and the fields
    from_state, to_state, by, at and note. `wrong_state` (with %(state)s) and `note_missing`
    are the messages shown to the user."""

    def __init__(
        self,
        *,
        model: type[M],
        state_field: str,
        steps: Iterable[Step],
        actors: Mapping[str, str],
        roles: Callable[[AnyUser, M], Set[str]],
        history: type[models.Model],
        history_fk: str,
        wrong_state: StrOrPromise,
        note_missing: StrOrPromise,
    ) -> None:
        self.model = model
        self.state_field = state_field
        self.steps: dict[str, Step] = {}
        self.actors = dict(actors)
        self.roles = roles
        self.history = history
        self.history_fk = history_fk
        self.wrong_state = wrong_state
        self.note_missing = note_missing
        field = model._meta.get_field(state_field)
        self.state_labels: dict[str, StrOrPromise] = dict(field.flatchoices)  # type: ignore[union-attr]
        self._save_also = [
            f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
        ]
        for step in steps:
            self._add(step)

    def _add(self, step: Step) -> None:
        where = f"{self.model.__name__} step {step.name!r}"
        if step.name in self.steps:
            raise ValueError(f"{where} is in the table twice")
        if not step.actors or step.actors - set(self.actors):
            raise ValueError(f"{where}: unknown or missing actors {sorted(step.actors)}")
        if not step.sources or (step.sources | {step.target}) - set(self.state_labels):
            raise ValueError(f"{where}: unknown or missing states")
        self.steps[step.name] = step

    def get(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            raise InvalidTransition(
                _("There is no such step: %(name)s.") % {"name": name}
            ) from None

    def who(self, step: Step) -> str:
        """Who may take the step, in words: "an editor or an official of the city"."""
        return " or ".join(self.actors[a] for a in sorted(step.actors))

    def state_of(self, obj: M) -> str:
        return str(getattr(obj, self.state_field))

    def available(self, roles: Set[str], state: str) -> list[Step]:
        """The steps an actor holding these names may take from this state, in table order."""
        return [s for s in self.steps.values() if state in s.sources and roles & s.actors]

    def available_to(self, user: AnyUser, obj: M) -> list[Step]:
        return self.available(self.roles(user, obj), self.state_of(obj))

    def check(self, step: Step, *, roles: Set[str], state: str, note: str) -> None:
        """The one check before every write (see the module docstring for the order)."""
        if not roles & step.actors:
            raise PermissionDenied(_("You are not allowed to do this."))
        if state not in step.sources:
            raise InvalidTransition(
                self.wrong_state % {"state": self.state_labels.get(state, state)}
            )
        if step.note_required and not note.strip():
            raise ValidationError({"note": [self.note_missing]})

    def perform(
        self,
        obj: M,
        *,
        by: AbstractUser | None,
        name: str,
        note: str = "",
        actor: str | None = None,
        lock: Callable[[M], M] | None = None,
        prepare: Callable[[Move[M]], Iterable[str]] | None = None,
        after: Callable[[Move[M], Any], None] | None = None,
    ) -> M:
        """Take one step and return the object as saved.

        `lock(obj)` re-reads the row under select_for_update (by default the row alone; an app
        may lock a parent first). `prepare(move)` runs after the check and before the move: it
        applies the app's own rules (raising a domain error) and sets other fields, returning
        their names. `after(move, record)` runs once the move and its history row are written.

        `actor` (with `by=None`) is the platform itself taking the step as one of the table's
        actors (the import of a trusted source): server code only, never from a request. The
        step must list that actor like any other, and the history row has no user."""
        step = self.get(name)
        if actor is not None and (by is not None or actor not in self.actors):
            raise ValueError(f"{actor!r} is not an actor of the table, or a user was given too")
        if actor is None and by is None:
            raise ValueError("a step is taken by a user or by a named actor of the table")
        note = clean_text(note).strip()
        if len(note) > NOTE_LIMIT:
            raise ValidationError(
                {"note": [_("At most %(limit)d characters.") % {"limit": NOTE_LIMIT}]}
            )
        with transaction.atomic():
            if lock is None:
                obj = self.model._default_manager.select_for_update(no_key=True).get(pk=obj.pk)
            else:
                obj = lock(obj)
            from_state = self.state_of(obj)
            roles = self.roles(by, obj) if by is not None else {str(actor)}
            self.check(step, roles=roles, state=from_state, note=note)
            move = Move(obj, step, from_state, by, note, timezone.now())
            fields = list(prepare(move)) if prepare else []
            setattr(obj, self.state_field, step.target)
            obj.save(update_fields=[self.state_field, *fields, *self._save_also])
            record = self.history._default_manager.create(
                **{self.history_fk: obj},
                from_state=from_state,
                to_state=step.target,
                by=by,
                at=move.at,
                note=note,
            )
            if after:
                after(move, record)
        return obj


class HistoryRow(models.Model):
    """A row of a state machine's history (`history=` above): written once by `perform`, never
    changed or deleted one by one, whatever the surface (the admin, a shell, a service). The
    rows go only with the object whose history they are (a cascade deletes in bulk)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise InvalidTransition(_("History is written once and never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise InvalidTransition(_("History is written once and never changed."))
