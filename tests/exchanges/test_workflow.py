"""The exchange lifecycle from every state by every role, and the races a real team hits."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.errors import InvalidTransition
from exchanges import services
from exchanges.models import Exchange, ExchangeEvent, ExchangeRequest, Match, PracticeAdoption
from exchanges.workflow import OPEN_STATES, STEPS, available_steps
from practices.models import Challenge
from tests.factories import PracticeFactory

pytestmark = pytest.mark.django_db

E = Exchange.State
STATES = [s for s in E.values if s != E.EVALUATED] + [E.EVALUATED]
ROLES = [
    "requester_official",
    "requester_practitioner",
    "peer_official",
    "peer_practitioner",
    "broker",
    "outsider_official",
    "nobody",
]
WHO = {
    "accept": {"peer_official", "peer_practitioner"},
    "decline": {"peer_official", "peer_practitioner"},
    "schedule": {"broker", "requester_official", "peer_official"},
    "start": {
        "broker",
        "requester_official",
        "requester_practitioner",
        "peer_official",
        "peer_practitioner",
    },
    "complete": {"broker", "requester_official", "peer_official"},
    "cancel": {"broker", "requester_official"},
}
FROM = {
    "accept": {"proposed"},
    "decline": {"proposed"},
    "schedule": {"accepted"},
    "start": {"scheduled"},
    "complete": {"in_progress"},
    "cancel": {"proposed", "accepted", "scheduled", "in_progress"},
}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def file_request(c, need="We want safer streets for women at night in the city centre."):
    """Through the service: the tests of filing, taking and proposing (other tests use the
    factories, through `make_request` and `make_exchange`)."""
    return services.exchange_request_create(
        by=c["people"]["requester_official"],
        city=c["requester"],
        data=services.RequestData(
            challenges=list(Challenge.objects.filter(slug="gender-equality")), need=need
        ),
    )


def propose_through_the_services(c):
    request = file_request(c)
    services.exchange_request_take(request=request, by=c["people"]["broker"])
    match = Match.objects.create(request=request, peer_city=c["peer"], score=0.8)
    return services.exchange_request_propose(request=request, by=c["people"]["broker"], match=match)


TO = {
    "accept": "accepted",
    "decline": "declined",
    "schedule": "scheduled",
    "start": "in_progress",
    "complete": "completed",
    "cancel": "cancelled",
}
# The same table in the workflow's own actor names (exchanges.workflow.roles_in).
ACTORS = {
    "accept": {"peer"},
    "decline": {"peer"},
    "schedule": {"broker", "official"},
    "start": {"broker", "member"},
    "complete": {"broker", "official"},
    "cancel": {"broker", "requester_official"},
}
NOTE_REQUIRED = {"decline", "cancel"}


def test_the_table_is_the_documented_one():
    assert set(STEPS) == set(WHO) == set(ACTORS)
    for name, step in STEPS.items():
        assert step.name == name
        assert (set(step.sources), step.target) == (FROM[name], TO[name])
        assert set(step.actors) == ACTORS[name]
        assert step.note_required == (name in NOTE_REQUIRED)
        assert str(step.label)
    assert FROM["cancel"] == OPEN_STATES


@pytest.mark.parametrize("name", sorted(STEPS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_every_step_state_and_role(cast_, make_exchange, name, state, role):
    exchange = make_exchange(state)
    user = cast_["people"][role]
    note = "A reason." if STEPS[name].note_required else ""
    events = ExchangeEvent.objects.count()
    kwargs = {"starts_on": timezone.now().date()} if name == "schedule" else {}
    if role in WHO[name] and state in FROM[name]:
        services.exchange_step(exchange=exchange, by=user, name=name, note=note, **kwargs)
        exchange.refresh_from_db()
        assert exchange.state == STEPS[name].target
        assert ExchangeEvent.objects.count() == events + 1
        assert {s.name for s in available_steps(user, exchange)} <= set(WHO)
        return
    with pytest.raises(PermissionDenied if role not in WHO[name] else InvalidTransition):
        services.exchange_step(exchange=exchange, by=user, name=name, note=note, **kwargs)
    exchange.refresh_from_db()
    assert exchange.state == state and ExchangeEvent.objects.count() == events


def test_full_journey_to_an_adoption(cast_, django_capture_on_commit_callbacks):
    p = cast_["people"]
    practice = PracticeFactory(city=cast_["peer"], text__title="Night buses")
    with django_capture_on_commit_callbacks(execute=True):
        exchange = propose_through_the_services(cast_)
    assert exchange.match.request.state == "proposed"
    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_step(
            exchange=exchange, by=p["peer_official"], name="accept", note="With pleasure."
        )
        services.exchange_step(
            exchange=exchange, by=p["broker"], name="schedule", starts_on=timezone.now().date()
        )
        services.exchange_step(exchange=exchange, by=p["peer_practitioner"], name="start")
        services.exchange_step(exchange=exchange, by=p["requester_official"], name="complete")
    request = ExchangeRequest.objects.get()
    assert request.state == "matched" and Match.objects.get().status == "accepted"
    services.exchange_evaluate(
        exchange=exchange,
        by=p["requester_practitioner"],
        city=cast_["requester"],
        outcome="adapted",
        practice=practice,
        helped="Site visits.",
    )
    with pytest.raises(InvalidTransition, match="already recorded"):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["requester_official"],
            city=cast_["requester"],
            outcome="adopted",
            practice=practice,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_evaluate(
            exchange=exchange, by=p["peer_official"], city=cast_["peer"], outcome="not_adopted"
        )
    exchange.refresh_from_db()
    request.refresh_from_db()
    practice.refresh_from_db()
    assert exchange.state == "evaluated" and request.state == "closed"
    assert practice.adapted_count == 1
    assert PracticeAdoption.objects.get().city == cast_["requester"]
    # everyone concerned heard of it, nobody twice
    keys = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(keys) == len(set(keys))
    assert any(p["peer_practitioner"].email in m.to for m in mail.outbox)


def test_evaluation_rules(cast_, make_exchange):
    p = cast_["people"]
    exchange = make_exchange("in_progress")
    with pytest.raises(InvalidTransition, match="completed"):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["requester_official"],
            city=cast_["requester"],
            outcome="not_adopted",
        )
    Exchange.objects.filter(pk=exchange.pk).update(state="completed")
    with pytest.raises(PermissionDenied):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["outsider_official"],
            city=cast_["requester"],
            outcome="not_adopted",
        )
    with pytest.raises(ValidationError):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["outsider_official"],
            city=cast_["outsider"],
            outcome="not_adopted",
        )
    with pytest.raises(ValidationError, match="which practice"):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["requester_official"],
            city=cast_["requester"],
            outcome="adopted",
        )
    other = PracticeFactory(city=cast_["outsider"])
    with pytest.raises(ValidationError, match="peer city"):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["requester_official"],
            city=cast_["requester"],
            outcome="adopted",
            practice=other,
        )


def test_double_submission_of_a_request(cast_):
    file_request(cast_)
    with pytest.raises(InvalidTransition, match="already filed"):
        file_request(cast_)
    assert ExchangeRequest.objects.count() == 1


def test_two_brokers_take_at_once(cast_, make_request):
    request = make_request()
    services.exchange_request_take(request=request, by=cast_["people"]["broker"])
    with pytest.raises(InvalidTransition, match="already took"):
        services.exchange_request_take(request=request, by=cast_["people"]["broker2"])
    request.refresh_from_db()
    assert request.broker == cast_["people"]["broker"] and request.state == "in_review"


def test_propose_twice_and_accept_after_cancel(cast_):
    p = cast_["people"]
    exchange = propose_through_the_services(cast_)
    with pytest.raises(InvalidTransition, match="already proposed"):
        services.exchange_request_propose(
            request=exchange.match.request, by=p["broker2"], match=exchange.match
        )
    services.exchange_step(
        exchange=exchange, by=p["broker"], name="cancel", note="The window closed."
    )
    with pytest.raises(InvalidTransition, match="cannot be moved"):
        services.exchange_step(exchange=exchange, by=p["peer_official"], name="accept")
    exchange.refresh_from_db()
    assert exchange.state == "cancelled" and Exchange.objects.count() == 1
    assert exchange.match.request.state == "in_review"  # the broker can propose someone else


@pytest.mark.parametrize(
    "state", ["proposed", "accepted", "scheduled", "in_progress", "completed", "declined"]
)
def test_withdrawing_at_any_state_leaves_a_consistent_record(cast_, make_exchange, state):
    exchange = make_exchange(state)
    request = exchange.match.request
    spare = Match.objects.create(request=request, peer_city=cast_["outsider"], score=0.3)
    services.exchange_request_withdraw(
        request=request, by=cast_["people"]["requester_official"], note="Budget cut."
    )
    request.refresh_from_db()
    exchange.refresh_from_db()
    spare.refresh_from_db()
    assert request.state == "withdrawn"
    assert spare.status == "withdrawn"
    if state in ("proposed", "accepted", "scheduled", "in_progress"):
        assert exchange.state == "cancelled"
        assert exchange.events.latest("id").note == "Budget cut."
    else:
        assert exchange.state == state
    with pytest.raises(InvalidTransition):
        services.exchange_request_withdraw(
            request=request, by=cast_["people"]["requester_official"]
        )
    with pytest.raises(InvalidTransition):
        services.exchange_request_propose(
            request=request, by=cast_["people"]["broker"], match=spare
        )


def test_only_officials_file_and_withdraw(cast_):
    with pytest.raises(PermissionDenied):
        services.exchange_request_create(
            by=cast_["people"]["requester_practitioner"],
            city=cast_["requester"],
            data=services.RequestData(challenges=list(Challenge.objects.all()[:1]), need="x" * 30),
        )
    request = file_request(cast_)
    with pytest.raises(PermissionDenied):
        services.exchange_request_withdraw(request=request, by=cast_["people"]["outsider_official"])
    with pytest.raises(ValidationError):
        services.exchange_request_create(
            by=cast_["people"]["requester_official"],
            city=cast_["requester"],
            data=services.RequestData(challenges=[], need="too short"),
        )


def test_digest_lists_waiting_requests_once_a_day(cast_, make_request, settings):
    from datetime import timedelta

    from exchanges.notifications import digest_send

    settings.EXCHANGE_DIGEST_AFTER_DAYS = 3
    request = make_request()
    assert digest_send() == 0
    ExchangeRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=5)
    )
    assert digest_send() == 2  # both brokers
    assert digest_send() == 0  # not twice the same day
    assert "Dakar" in mail.outbox[-1].body


def test_the_proposal_mail_says_why_in_each_readers_language(
    cast_, django_capture_on_commit_callbacks
):
    p = cast_["people"]
    p["peer_official"].preferred_language = "fr"
    p["peer_official"].save()
    p["peer_practitioner"].preferred_language = "es"
    p["peer_practitioner"].save()
    request = file_request(cast_)
    services.exchange_request_take(request=request, by=p["broker"])
    match = Match.objects.create(
        request=request,
        peer_city=cast_["peer"],
        score=0.8,
        explanation={"reasons": [{"key": "open"}, {"key": "source_practice"}]},
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_request_propose(request=request, by=p["broker"], match=match)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "Pourquoi cette ville pair :\n- ouverte aux échanges\n- la demande est partie"
        in (bodies[p["peer_official"].email])
    )
    assert (
        "Por qué esta ciudad par:\n- abierta a intercambios" in bodies[p["peer_practitioner"].email]
    )
