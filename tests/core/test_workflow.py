"""The transition machinery (core.workflow) on a small table of its own, over the practice's
review state: the one check before every write, the table's own validation, and the write."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import InvalidTransition
from core.workflow import StateMachine, Step
from practices.models import Practice, PracticeTransition
from tests.factories import PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db

SEND = Step("send", frozenset({"draft"}), "submitted", frozenset({"writer"}), False, "Send")
RETURN = Step(
    "return",
    frozenset({"submitted", "changes_requested"}),
    "draft",
    frozenset({"checker", "writer"}),
    True,
    "Return",
)
ACTORS = {"writer": "a writer", "checker": "a checker"}
# Who holds which actor name, by user id; filled by the tests.
HOLDERS: dict[int, set[str]] = {}


def machine(steps=(SEND, RETURN), actors=ACTORS):
    return StateMachine(
        model=Practice,
        state_field="review_state",
        steps=steps,
        actors=actors,
        roles=lambda user, practice: HOLDERS.get(user.pk, set()),
        history=PracticeTransition,
        history_fk="practice",
        wrong_state="This thing is %(state)s.",
        note_missing="Say why.",
    )


@pytest.fixture
def user_as():
    def make(*roles):
        user = UserFactory()
        HOLDERS[user.pk] = set(roles)
        return user

    yield make
    HOLDERS.clear()


def test_the_table_is_a_dict_of_steps_by_name():
    table = machine()
    assert table.steps == {"send": SEND, "return": RETURN}
    assert table.who(RETURN) == "a checker or a writer"


@pytest.mark.parametrize(
    ("roles", "state", "expected"),
    [
        ({"writer"}, "draft", ["send"]),
        ({"writer"}, "submitted", ["return"]),
        ({"checker"}, "draft", []),
        ({"checker"}, "changes_requested", ["return"]),
        ({"writer", "checker"}, "published", []),
        (set(), "draft", []),
    ],
)
def test_available_steps(roles, state, expected):
    assert [s.name for s in machine().available(roles, state)] == expected


def test_check_refuses_a_wrong_actor_before_looking_at_the_state():
    table = machine()
    with pytest.raises(PermissionDenied):
        table.check(SEND, roles={"checker"}, state="draft", note="")
    # even from a wrong state: who may not act learns nothing about the state
    with pytest.raises(PermissionDenied):
        table.check(SEND, roles=set(), state="published", note="")


def test_check_refuses_a_wrong_state_with_its_label():
    with pytest.raises(InvalidTransition, match=r"^This thing is published\.$"):
        machine().check(SEND, roles={"writer"}, state="published", note="")


@pytest.mark.parametrize("note", ["", "   "])
def test_check_refuses_a_missing_note(note):
    with pytest.raises(ValidationError) as caught:
        machine().check(RETURN, roles={"checker"}, state="submitted", note=note)
    assert caught.value.message_dict == {"note": ["Say why."]}


def test_check_lets_a_right_step_through():
    table = machine()
    table.check(SEND, roles={"writer"}, state="draft", note="")
    table.check(RETURN, roles={"checker"}, state="submitted", note="Too short.")


@pytest.mark.parametrize(
    ("steps", "actors", "problem"),
    [
        ([SEND, SEND], ACTORS, "twice"),
        (
            [Step("x", frozenset({"draft"}), "submitted", frozenset({"ghost"}), False, "X")],
            ACTORS,
            "actors",
        ),
        ([Step("x", frozenset({"draft"}), "submitted", frozenset(), False, "X")], ACTORS, "actors"),
        (
            [Step("x", frozenset({"limbo"}), "submitted", frozenset({"writer"}), False, "X")],
            ACTORS,
            "states",
        ),
        (
            [Step("x", frozenset({"draft"}), "limbo", frozenset({"writer"}), False, "X")],
            ACTORS,
            "states",
        ),
        ([Step("x", frozenset(), "draft", frozenset({"writer"}), False, "X")], ACTORS, "states"),
    ],
)
def test_a_wrong_table_is_refused_when_built(steps, actors, problem):
    with pytest.raises(ValueError, match=problem):
        machine(steps=steps, actors=actors)


def test_an_unknown_step_is_an_invalid_transition(user_as):
    with pytest.raises(InvalidTransition, match="no such step"):
        machine().perform(PracticeFactory(), by=user_as("writer"), name="teleport")


def test_perform_moves_records_and_runs_the_hooks(user_as):
    practice = PracticeFactory(review_state="submitted", main_actors="")
    checker = user_as("checker")
    seen = []

    def prepare(move):
        assert move.from_state == "submitted" and move.obj.review_state == "submitted"
        move.obj.main_actors = "Set by the hook"
        return ["main_actors"]

    def after(move, record):
        seen.append((move.step.name, move.by, record.to_state, record.note))

    moved = machine().perform(
        practice,
        by=checker,
        name="return",
        note="  Missing figures. ",
        prepare=prepare,
        after=after,
    )
    practice.refresh_from_db()
    assert moved.review_state == practice.review_state == "draft"
    assert practice.main_actors == "Set by the hook"
    record = PracticeTransition.objects.get(practice=practice)
    assert (record.from_state, record.to_state, record.by, record.note) == (
        "submitted",
        "draft",
        checker,
        "Missing figures.",
    )
    assert seen == [("return", checker, "draft", "Missing figures.")]


def test_perform_checks_the_stored_state_not_the_callers_copy(user_as):
    practice = PracticeFactory(review_state="draft")
    Practice.objects.filter(pk=practice.pk).update(review_state="submitted")  # someone was quicker
    with pytest.raises(InvalidTransition):
        machine().perform(practice, by=user_as("writer"), name="send")
    assert not PracticeTransition.objects.exists()


@pytest.mark.parametrize(
    ("roles", "name", "note", "error"),
    [
        ({"checker"}, "send", "", PermissionDenied),
        ({"writer"}, "return", "", ValidationError),
        ({"writer"}, "return", "x" * 5001, ValidationError),
    ],
)
def test_a_refused_step_changes_nothing(user_as, roles, name, note, error):
    state = "draft" if name == "send" else "submitted"
    practice = PracticeFactory(review_state=state)
    after_called = []
    with pytest.raises(error):
        machine().perform(
            practice,
            by=user_as(*roles),
            name=name,
            note=note,
            after=lambda move, record: after_called.append(record),
        )
    practice.refresh_from_db()
    assert practice.review_state == state
    assert not PracticeTransition.objects.exists() and not after_called


def test_a_step_refused_by_the_apps_own_rule_changes_nothing(user_as):
    practice = PracticeFactory(review_state="draft")

    def prepare(move):
        move.obj.main_actors = "half-written"
        raise ValidationError("The app's own rule says no.")

    with pytest.raises(ValidationError, match="own rule"):
        machine().perform(practice, by=user_as("writer"), name="send", prepare=prepare)
    practice.refresh_from_db()
    assert practice.review_state == "draft" and practice.main_actors != "half-written"
    assert not PracticeTransition.objects.exists()
