"""Issue 15's workflow fixes: dates follow the steps, each side of an exchange has its own
evaluation questions with nothing chosen in advance, actions are offered only to those who
may take them, and confirmations say what happened, in the reader's language."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import InvalidTransition
from exchanges import services
from exchanges.models import Evaluation, Exchange, ExchangeRequest, Match
from tests.factories import PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _dated(exchange, *, starts_on, ends_on=None, state=None):
    Exchange.objects.filter(pk=exchange.pk).update(
        starts_on=starts_on, ends_on=ends_on, **({"state": state} if state else {})
    )
    exchange.refresh_from_db()
    return exchange


# --- dates ---------------------------------------------------------------------------------


def test_schedule_needs_a_start_and_an_end_no_earlier(cast_, make_exchange):
    broker = cast_["people"]["broker"]
    exchange = make_exchange("accepted")
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="start date"):
        services.exchange_step(exchange=exchange, by=broker, name="schedule")
    with pytest.raises(ValidationError, match="end before"):
        services.exchange_step(
            exchange=exchange,
            by=broker,
            name="schedule",
            starts_on=today,
            ends_on=today - timedelta(days=1),
        )
    # A start in the past is allowed: an exchange arranged outside the platform is recorded.
    services.exchange_step(
        exchange=exchange, by=broker, name="schedule", starts_on=today - timedelta(days=30)
    )
    exchange.refresh_from_db()
    assert exchange.state == "scheduled" and exchange.starts_on == today - timedelta(days=30)


def test_an_exchange_does_not_start_before_its_start_date(cast_, make_exchange):
    broker = cast_["people"]["broker"]
    today = timezone.localdate()
    exchange = _dated(make_exchange("scheduled"), starts_on=today + timedelta(days=1))
    events = exchange.events.count()
    with pytest.raises(InvalidTransition, match="cannot start before"):
        services.exchange_step(exchange=exchange, by=broker, name="start")
    exchange.refresh_from_db()
    assert exchange.state == "scheduled" and exchange.events.count() == events
    _dated(exchange, starts_on=today)
    services.exchange_step(exchange=exchange, by=broker, name="start")
    exchange.refresh_from_db()
    assert exchange.state == "in_progress"


def test_an_exchange_without_a_start_date_cannot_start(cast_, make_exchange):
    exchange = _dated(make_exchange("scheduled"), starts_on=None)
    with pytest.raises(InvalidTransition, match="Schedule the exchange first"):
        services.exchange_step(exchange=exchange, by=cast_["people"]["broker"], name="start")


def test_completing_is_not_before_the_start_and_records_an_early_end(cast_, make_exchange):
    broker = cast_["people"]["broker"]
    today = timezone.localdate()
    exchange = _dated(make_exchange("in_progress"), starts_on=today + timedelta(days=3))
    with pytest.raises(InvalidTransition, match="cannot be completed before"):
        services.exchange_step(exchange=exchange, by=broker, name="complete")
    # Planned to end next month, completed today: the end is the day it was completed.
    _dated(exchange, starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=30))
    services.exchange_step(exchange=exchange, by=broker, name="complete")
    exchange.refresh_from_db()
    assert (exchange.state, exchange.ends_on) == ("completed", today)


def test_completing_keeps_an_end_already_past(cast_, make_exchange):
    today = timezone.localdate()
    ended = today - timedelta(days=5)
    exchange = _dated(
        make_exchange("in_progress"), starts_on=today - timedelta(days=9), ends_on=ended
    )
    services.exchange_step(exchange=exchange, by=cast_["people"]["broker"], name="complete")
    exchange.refresh_from_db()
    assert exchange.ends_on == ended


# --- evaluation: one form per side ---------------------------------------------------------


def test_each_side_gets_its_own_questions_with_nothing_chosen(client, cast_, make_exchange):
    exchange = make_exchange("completed")
    url = f"/en/exchanges/{exchange.pk}/"
    client.force_login(cast_["people"]["requester_official"])
    learner = client.get(url).content.decode()
    requester = cast_["requester"].pk
    assert f'name="city{requester}-outcome"' in learner
    assert 'type="radio"' in learner and " checked" not in learner
    assert "would_host_again" not in learner and "the learning city" in learner

    client.force_login(cast_["people"]["peer_practitioner"])
    host = client.get(url).content.decode()
    peer = cast_["peer"].pk
    assert f'name="city{peer}-would_host_again"' in host
    assert "outcome" not in host and " checked" not in host and "the host city" in host


def test_the_learner_must_choose_an_outcome(client, cast_, make_exchange):
    exchange = make_exchange("completed")
    requester = cast_["requester"].pk
    client.force_login(cast_["people"]["requester_official"])
    response = client.post(
        f"/en/exchanges/{exchange.pk}/evaluate/{requester}/",
        {f"city{requester}-helped": "The visit."},
        follow=True,
    )
    assert "This field is required" in response.content.decode()
    assert not Evaluation.objects.exists()
    client.post(
        f"/en/exchanges/{exchange.pk}/evaluate/{requester}/",
        {f"city{requester}-outcome": "not_adopted"},
    )
    assert Evaluation.objects.get().outcome == "not_adopted"


def test_the_host_answers_its_questions_and_no_outcome(client, cast_, make_exchange):
    exchange = make_exchange("completed")
    peer = cast_["peer"].pk
    client.force_login(cast_["people"]["peer_official"])
    # The learner's question sent to the host's form is not its question: nothing of it kept.
    client.post(
        f"/en/exchanges/{exchange.pk}/evaluate/{peer}/",
        {
            f"city{peer}-outcome": "adopted",
            f"city{peer}-would_host_again": "maybe",
            f"city{peer}-learned": "How to count night riders.",
        },
    )
    evaluation = Evaluation.objects.get()
    assert (evaluation.outcome, evaluation.would_host_again) == ("", "maybe")
    assert evaluation.learned == "How to count night riders."
    page = client.get(f"/en/exchanges/{exchange.pk}/").content.decode()
    assert "Would host again" in page and "perhaps, with changes" in page


def test_the_service_keeps_each_sides_questions_apart(cast_, make_exchange):
    p = cast_["people"]
    exchange = make_exchange("completed")
    with pytest.raises(ValidationError, match="adopted, adapted or not"):
        services.exchange_evaluate(
            exchange=exchange, by=p["requester_official"], city=cast_["requester"], outcome=""
        )
    with pytest.raises(ValidationError, match="host again"):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["requester_official"],
            city=cast_["requester"],
            outcome="not_adopted",
            would_host_again="yes",
        )
    with pytest.raises(ValidationError, match="host again"):
        services.exchange_evaluate(
            exchange=exchange,
            by=p["peer_official"],
            city=cast_["peer"],
            outcome="",
            would_host_again="always",
        )
    # A host's "adopted" names no adoption: only the learning city adopts.
    practice = PracticeFactory(city=cast_["peer"])
    services.exchange_evaluate(
        exchange=exchange,
        by=p["peer_official"],
        city=cast_["peer"],
        outcome="adopted",
        practice=practice,
        would_host_again="yes",
    )
    practice.refresh_from_db()
    assert practice.adapted_count == 0 and Evaluation.objects.get().practice is None


# --- actions only for those who may take them ----------------------------------------------


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("requester_official", True),
        ("outsider_official", True),
        ("requester_practitioner", False),
        ("peer_official", False),  # the practice's own city
        ("broker", False),
        ("nobody", False),
        (None, False),
    ],
)
def test_ask_for_an_exchange_is_offered_only_to_who_can_file(client, cast_, role, offered):
    practice = PracticeFactory(
        city=cast_["peer"], review_state="published", published_at=timezone.now()
    )
    if role:
        client.force_login(cast_["people"][role])
    page = client.get(f"/en/practices/{practice.pk}/").content.decode()
    assert ("Ask for an exchange on this" in page) is offered
    # Whoever is offered the link can follow it; whoever is not would have been refused
    # (but the practice's own official, who may file requests, only not about this one).
    if role and role != "peer_official":
        form = client.get(f"/en/exchanges/requests/new/?practice={practice.pk}")
        assert (form.status_code == 200) is offered


def test_a_practitioner_sees_no_step_they_cannot_take(client, cast_, make_exchange):
    exchange = make_exchange("accepted")
    client.force_login(cast_["people"]["peer_practitioner"])
    page = client.get(f"/en/exchanges/{exchange.pk}/").content.decode()
    assert "/step/" not in page  # scheduling is for brokers and officials
    client.force_login(cast_["people"]["peer_official"])
    page = client.get(f"/en/exchanges/{exchange.pk}/").content.decode()
    assert "/step/schedule/" in page and "/step/accept/" not in page


# --- confirmations and primary actions -----------------------------------------------------


def _messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize(
    ("language", "took", "accepted"),
    [
        ("en", "You took this request", "You accepted the exchange."),
        ("fr", "Vous avez pris cette demande", "Vous avez accepté l’échange."),
    ],
)
def test_confirmations_say_what_happened_in_the_readers_language(
    client, cast_, make_request, language, took, accepted
):
    people = cast_["people"]
    request = make_request()
    client.force_login(people["broker"])
    response = client.post(f"/{language}/exchanges/requests/{request.pk}/take/", follow=True)
    assert any(took in m for m in _messages(response)), _messages(response)
    match = Match.objects.create(request=request, peer_city=cast_["peer"], score=0.5)
    response = client.post(
        f"/{language}/exchanges/requests/{request.pk}/propose/", {"match": match.pk}, follow=True
    )
    assert any(cast_["peer"].name in m for m in _messages(response))
    exchange = Exchange.objects.get()
    client.force_login(people["peer_official"])
    response = client.post(
        f"/{language}/exchanges/{exchange.pk}/step/accept/", {"note": ""}, follow=True
    )
    assert any(accepted in m for m in _messages(response)), _messages(response)
    assert "Done." not in response.content.decode()


def test_one_primary_action_stands_out(client, cast_, make_request):
    request = make_request()
    client.force_login(cast_["people"]["broker"])
    page = client.get(f"/en/exchanges/requests/{request.pk}/").content.decode()
    assert 'class="primary">Take this request' in page
    assert ExchangeRequest.objects.count() == 1
