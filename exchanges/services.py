"""Every write of the exchanges app: requests, taking and proposing, the exchange lifecycle,
evaluations and what they write back onto practices.

Each function checks who acts and the current state under a row lock (select_for_update), so
two brokers acting at once, a double submission or an accept after a cancel end in one
consistent state and a clear InvalidTransition for the loser."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cities.models import City
from core.errors import InvalidTransition
from core.languages import LANGUAGE_CODES
from core.permissions import is_broker, is_member, is_official
from core.text import clean_text
from core.workflow import Move
from practices.models import Challenge, Practice, Topic
from practices.outbox import outbox_record

from .models import (
    Evaluation,
    Exchange,
    ExchangeEvent,
    ExchangeFormat,
    ExchangeRequest,
    Match,
    PracticeAdoption,
)
from .workflow import LIFECYCLE, OPEN_STATES

log = logging.getLogger(__name__)
R = ExchangeRequest.State
E = Exchange.State
FINAL_REQUEST_STATES = {R.CLOSED, R.WITHDRAWN}
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=10)
# Characters of the need of a request and of what helped or hindered an exchange; the forms and
# the API's serializers read it too.
TEXT_LIMIT = 5_000


def _notify(kind: str, object_id: int) -> None:
    def send() -> None:
        from .tasks import send_exchange_notification

        try:
            send_exchange_notification.delay(kind, object_id)
        except Exception:
            log.warning(
                "exchange notification %s %s not queued; the sweep sends it",
                kind,
                object_id,
                exc_info=True,
            )

    transaction.on_commit(send)


@dataclass
class RequestData:
    challenges: list[Challenge]
    need: str
    topics: list[Topic] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    window_start: date | None = None
    window_end: date | None = None
    source_practice: Practice | None = None

    def __post_init__(self) -> None:
        self.need = clean_text(self.need)

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.challenges:
            errors["challenges"] = [_("Choose at least one challenge.")]
        need = self.need.strip()
        if len(need) < 20:
            errors["need"] = [_("Describe the need in a few sentences (at least 20 characters).")]
        if len(need) > TEXT_LIMIT:
            errors["need"] = [_("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}]
        unknown = set(self.formats) - set(ExchangeFormat.values)
        if unknown:
            errors["formats"] = [
                _("Unknown format(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}
            ]
        if set(self.languages) - set(LANGUAGE_CODES):
            errors["languages"] = [_("Choose English, French or Spanish.")]
        if self.window_start and self.window_end and self.window_end < self.window_start:
            errors["window_end"] = [_("The window cannot end before it starts.")]
        if (
            self.source_practice is not None
            and self.source_practice.review_state != Practice.ReviewState.PUBLISHED
        ):
            errors["source_practice"] = [_("Start from a published practice.")]
        if errors:
            raise ValidationError(errors)


def exchange_request_create(*, by: User, city: City, data: RequestData) -> ExchangeRequest:
    """An official files a request for their city."""
    if not is_official(by, city):
        raise PermissionDenied(_("Only an official of the city can file an exchange request."))
    data.validate()
    need = data.need.strip()
    with transaction.atomic():
        City.objects.select_for_update(no_key=True).get(pk=city.pk)  # serialise double submissions
        recent = ExchangeRequest.objects.filter(
            city=city, need=need, created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW
        ).exclude(state=R.WITHDRAWN)
        if recent.exists():
            raise InvalidTransition(_("This request was already filed a moment ago."))
        request = ExchangeRequest.objects.create(
            city=city,
            need=need,
            formats=sorted(set(data.formats)),
            languages=sorted(set(data.languages)),
            window_start=data.window_start,
            window_end=data.window_end,
            source_practice=data.source_practice,
            created_by=by,
        )
        request.challenges.set(data.challenges)
        request.topics.set(data.topics)
        _notify("request_created", request.pk)
    return request


def _lock_request(request: ExchangeRequest) -> ExchangeRequest:
    return ExchangeRequest.objects.select_for_update(no_key=True).get(pk=request.pk)


def exchange_request_take(*, request: ExchangeRequest, by: User) -> ExchangeRequest:
    if not is_broker(by):
        raise PermissionDenied(_("Only brokers take requests."))
    with transaction.atomic():
        request = _lock_request(request)
        if request.broker_id and request.broker_id != by.pk:
            raise InvalidTransition(
                _("%(broker)s already took this request.") % {"broker": request.broker}
            )
        if request.state != R.OPEN:
            raise InvalidTransition(_("This request is no longer open."))
        request.broker = by
        request.state = R.IN_REVIEW
        request.save(update_fields=["broker", "state", "updated_at"])
        _notify("request_taken", request.pk)
    return request


def exchange_request_rank(*, request: ExchangeRequest, by: User) -> list[Match]:
    """A broker (re)computes the ranked peers of a request (exchanges.matching)."""
    if not is_broker(by):
        raise PermissionDenied(_("Only brokers rank peers."))
    if request.state in FINAL_REQUEST_STATES:
        raise InvalidTransition(_("This request is closed or withdrawn."))
    from .matching import matches_refresh

    return matches_refresh(request=request)


def exchange_request_propose(*, request: ExchangeRequest, by: User, match: Match) -> Exchange:
    """Propose a ranked peer to the peer city: the match becomes an exchange "proposed"."""
    if not is_broker(by):
        raise PermissionDenied(_("Only brokers propose peers."))
    with transaction.atomic():
        request = _lock_request(request)
        match = Match.objects.select_for_update(no_key=True).get(pk=match.pk, request=request)
        if request.state in FINAL_REQUEST_STATES:
            raise InvalidTransition(_("This request is closed or withdrawn."))
        if request.state == R.OPEN:
            raise InvalidTransition(_("Take the request before proposing peers."))
        if match.status != Match.Status.SUGGESTED:
            raise InvalidTransition(_("This peer was already proposed."))
        if match.peer_city_id == request.city_id:
            raise ValidationError(_("A city cannot be its own peer."))
        now = timezone.now()
        match.status = Match.Status.PROPOSED
        match.proposed_by = by
        match.proposed_at = now
        match.save(update_fields=["status", "proposed_by", "proposed_at"])
        exchange = Exchange.objects.create(match=match, state=E.PROPOSED)
        event = ExchangeEvent.objects.create(
            exchange=exchange, from_state="", to_state=E.PROPOSED, by=by, at=now
        )
        _settle(request)
        _notify("exchange_event", event.pk)
    return exchange


def _settle(request: ExchangeRequest) -> None:
    """Derive the request's state from its exchanges (call with the request locked)."""
    if request.state == R.WITHDRAWN:
        return
    states = set(Exchange.objects.filter(match__request=request).values_list("state", flat=True))
    if states & {E.ACCEPTED, E.SCHEDULED, E.IN_PROGRESS, E.COMPLETED}:
        new = R.MATCHED
    elif E.PROPOSED in states:
        new = R.PROPOSED
    elif E.EVALUATED in states:
        new = R.CLOSED
    else:
        new = R.IN_REVIEW if request.broker_id else R.OPEN
    if new != request.state:
        request.state = new
        request.save(update_fields=["state", "updated_at"])


def exchange_step(
    *,
    exchange: Exchange,
    by: User,
    name: str,
    note: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Exchange:
    """Move an exchange one step along its lifecycle (exchanges.workflow)."""

    def lock(exchange: Exchange) -> Exchange:
        # The request first, as every write of the exchanges app does, so a withdrawal or a
        # proposal running at the same time waits for this step.
        _lock_request(exchange.match.request)
        return (
            Exchange.objects.select_for_update(no_key=True)
            .select_related("match__request")
            .get(pk=exchange.pk)
        )

    def prepare(move: Move[Exchange]) -> list[str]:
        return _date_rules(move, starts_on=starts_on, ends_on=ends_on)

    return LIFECYCLE.perform(
        exchange, by=by, name=name, note=note, lock=lock, prepare=prepare, after=_step_after
    )


def _date_rules(move: Move[Exchange], *, starts_on: date | None, ends_on: date | None) -> list[str]:
    """The dates of an exchange follow its steps (docs/workflows.md, "Dates"): scheduling gives
    a start date (and an end no earlier); it starts no earlier than its start date and is
    completed no earlier than that; completing it before its planned end (or without one)
    records the day it ended. A start date in the past is allowed: a broker may record an
    exchange arranged outside the platform. Days are the platform's local days (TIME_ZONE)."""
    exchange, today = move.obj, timezone.localdate(move.at)
    if move.step.name == "schedule":
        if not starts_on:
            raise ValidationError({"starts_on": [_("Give the start date.")]})
        if ends_on and ends_on < starts_on:
            raise ValidationError({"ends_on": [_("The exchange cannot end before it starts.")]})
        exchange.starts_on, exchange.ends_on = starts_on, ends_on
        return ["starts_on", "ends_on"]
    if move.step.name in ("start", "complete"):
        if exchange.starts_on is None:
            raise InvalidTransition(_("Schedule the exchange first: it has no start date."))
        if today < exchange.starts_on:
            message = (
                _("The exchange is scheduled to start on %(day)s: it cannot start before.")
                if move.step.name == "start"
                else _("The exchange starts on %(day)s: it cannot be completed before.")
            )
            raise InvalidTransition(message % {"day": exchange.starts_on.isoformat()})
    if move.step.name == "complete" and (exchange.ends_on is None or exchange.ends_on > today):
        exchange.ends_on = today
        return ["ends_on"]
    return []


def _step_after(move: Move[Exchange], event: ExchangeEvent) -> None:
    """The peer's answer is kept on the match; the request's state follows its exchanges."""
    match = move.obj.match
    if move.step.name in ("accept", "decline"):
        match.status = (
            Match.Status.ACCEPTED if move.step.name == "accept" else Match.Status.DECLINED
        )
        match.response = move.note
        match.responded_by_id = move.by.pk if move.by is not None else None
        match.responded_at = move.at
        match.save(update_fields=["status", "response", "responded_by", "responded_at"])
    _settle(match.request)
    _notify("exchange_event", event.pk)


def exchange_request_withdraw(
    *, request: ExchangeRequest, by: User, note: str = ""
) -> ExchangeRequest:
    """The requesting city withdraws: open exchanges are cancelled, pending proposals withdrawn."""
    if not is_official(by, request.city):
        raise PermissionDenied(_("Only an official of the city can withdraw its request."))
    with transaction.atomic():
        request = _lock_request(request)
        if request.state in FINAL_REQUEST_STATES:
            raise InvalidTransition(_("This request is already closed or withdrawn."))
        now = timezone.now()
        for exchange in Exchange.objects.select_for_update(no_key=True).filter(
            match__request=request, state__in=OPEN_STATES
        ):
            event = ExchangeEvent.objects.create(
                exchange=exchange,
                from_state=exchange.state,
                to_state=E.CANCELLED,
                by=by,
                at=now,
                note=note or _("The requesting city withdrew its request."),
            )
            exchange.state = E.CANCELLED
            exchange.save(update_fields=["state", "updated_at"])
            _notify("exchange_event", event.pk)
        request.matches.filter(status__in=[Match.Status.SUGGESTED, Match.Status.PROPOSED]).update(
            status=Match.Status.WITHDRAWN
        )
        request.state = R.WITHDRAWN
        request.save(update_fields=["state", "updated_at"])
    return request


def exchange_evaluate(
    *,
    exchange: Exchange,
    by: User,
    city: City,
    outcome: str = "",
    practice: Practice | None = None,
    helped: str = "",
    hindered: str = "",
    would_host_again: str = "",
    learned: str = "",
) -> Evaluation:
    """One city's evaluation of a completed exchange, each side with its own questions
    (Evaluation): the learning city must say what it adopted (`outcome`), the host may say
    whether it would host again and what it learned. When both cities have answered, the
    exchange is evaluated; an adoption by the requesting city is written onto the practice."""
    helped, hindered, learned = clean_text(helped), clean_text(hindered), clean_text(learned)
    with transaction.atomic():
        request = _lock_request(exchange.match.request)
        exchange = (
            Exchange.objects.select_for_update(no_key=True)
            .select_related("match")
            .get(pk=exchange.pk)
        )
        if city.pk not in (request.city_id, exchange.match.peer_city_id):
            raise ValidationError(_("Only the two cities of the exchange evaluate it."))
        learner = city.pk == request.city_id
        if outcome not in Evaluation.Outcome.values and (learner or outcome):
            raise ValidationError(
                {"outcome": [_("Say whether a practice was adopted, adapted or not.")]}
            )
        if would_host_again and (learner or would_host_again not in Evaluation.HostAgain.values):
            raise ValidationError(
                {"would_host_again": [_("Only the host city says whether it would host again.")]}
            )
        if learned and learner:
            raise ValidationError({"learned": [_("Only the host city answers this question.")]})
        adopting = learner and outcome in (Evaluation.Outcome.ADOPTED, Evaluation.Outcome.ADAPTED)
        if not is_member(by, city):
            raise PermissionDenied(_("Only a member of the city can record its evaluation."))
        if exchange.state != E.COMPLETED:
            raise InvalidTransition(_("Only a completed exchange can be evaluated."))
        if adopting and practice is None:
            raise ValidationError({"practice": [_("Say which practice was adopted or adapted.")]})
        if practice is not None and (
            practice.review_state != Practice.ReviewState.PUBLISHED
            or practice.city_id != exchange.match.peer_city_id
        ):
            raise ValidationError(
                {"practice": [_("Choose a published practice of the peer city.")]}
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    exchange=exchange,
                    city=city,
                    outcome=outcome,
                    practice=practice if adopting else None,
                    helped=helped.strip()[:TEXT_LIMIT],
                    hindered=hindered.strip()[:TEXT_LIMIT],
                    would_host_again=would_host_again,
                    learned=learned.strip()[:TEXT_LIMIT],
                    by=by,
                    at=now,
                )
        except IntegrityError as exc:
            raise InvalidTransition(_("This city's evaluation is already recorded.")) from exc
        if adopting and practice is not None:
            PracticeAdoption.objects.get_or_create(
                practice=practice,
                city=city,
                defaults={"exchange": exchange, "outcome": outcome, "at": now},
            )
            Practice.objects.filter(pk=practice.pk).update(adapted_count=practice.adoptions.count())
            outbox_record(practice_ids=[practice.pk])
        if exchange.evaluations.count() == 2:
            event = ExchangeEvent.objects.create(
                exchange=exchange, from_state=E.COMPLETED, to_state=E.EVALUATED, by=by, at=now
            )
            exchange.state = E.EVALUATED
            exchange.save(update_fields=["state", "updated_at"])
            _settle(request)
            _notify("exchange_event", event.pk)
    return evaluation
