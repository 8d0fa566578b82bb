"""Every transition, from every state, by every role: allowed ones move the practice and
record the step; forbidden ones raise and change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import InvalidTransition
from practices.models import Practice, PracticeTransition, SearchOutbox
from practices.services import practice_transition
from practices.workflow import TRANSITIONS, available_transitions

pytestmark = pytest.mark.django_db

ROLES = [
    "practitioner",
    "official",
    "other_practitioner",
    "other_official",
    "editor",
    "broker",
    "nobody",
]
STATES = list(Practice.ReviewState.values)

# The table in words, to check the code's table against: who may make each step.
WHO = {
    "submit": {"practitioner", "official"},
    "withdraw": {"practitioner", "official"},
    "publish": {"editor"},
    "request_changes": {"editor"},
    "unpublish": {"editor"},
    "archive": {"official", "editor"},
    "restore": {"editor"},
}
FROM_TO = {
    "submit": ({"draft", "changes_requested"}, "submitted"),
    "withdraw": ({"submitted"}, "draft"),
    "publish": ({"submitted"}, "published"),
    "request_changes": ({"submitted"}, "changes_requested"),
    "unpublish": ({"published"}, "changes_requested"),
    "archive": ({"published"}, "archived"),
    "restore": ({"archived"}, "published"),
}


# The same table in the workflow's own actor names (practices.workflow.roles_in), and the
# steps that need a note.
ACTORS = {
    "submit": {"member", "import"},
    "withdraw": {"member"},
    "publish": {"editor", "import"},
    "request_changes": {"editor"},
    "unpublish": {"editor"},
    "archive": {"official", "editor"},
    "restore": {"editor"},
}
NOTE_REQUIRED = {"request_changes", "unpublish"}


def test_the_table_is_the_documented_one():
    assert set(TRANSITIONS) == set(WHO) == set(ACTORS)
    for name, step in TRANSITIONS.items():
        assert step.name == name
        assert (set(step.sources), step.target) == FROM_TO[name]
        assert set(step.actors) == ACTORS[name]
        assert step.note_required == (name in NOTE_REQUIRED)
        assert str(step.label)


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_every_transition_state_and_role(name, state, role, people, make_practice):
    practice = make_practice(state)
    user = people[role]
    note = "Because the results lack figures." if TRANSITIONS[name].note_required else ""
    before = (
        practice.review_state,
        PracticeTransition.objects.count(),
        SearchOutbox.objects.count(),
    )
    allowed_actor = role in WHO[name]
    allowed_state = state in FROM_TO[name][0]

    if allowed_actor and allowed_state:
        practice_transition(practice=practice, by=user, name=name, note=note)
        practice.refresh_from_db()
        assert practice.review_state == FROM_TO[name][1]
        last = PracticeTransition.objects.filter(practice=practice).latest("id")
        assert (last.from_state, last.to_state, last.by, last.note) == (
            state,
            practice.review_state,
            user,
            note,
        )
        assert SearchOutbox.objects.filter(practice_id=practice.pk).exists()
        if name == "publish":
            assert practice.published_at is not None
        return

    expected = PermissionDenied if not allowed_actor else InvalidTransition
    with pytest.raises(expected):
        practice_transition(practice=practice, by=user, name=name, note=note)
    practice.refresh_from_db()
    assert (
        practice.review_state,
        PracticeTransition.objects.count(),
        SearchOutbox.objects.count(),
    ) == before


@pytest.mark.parametrize("role", ROLES)
def test_buttons_offered_match_the_rules(role, people, make_practice):
    for state in STATES:
        practice = make_practice(state)
        offered = {t.name for t in available_transitions(people[role], practice)}
        expected = {n for n in WHO if role in WHO[n] and state in FROM_TO[n][0]}
        assert offered == expected, (role, state)


def test_a_note_is_required_to_send_back(people, make_practice):
    practice = make_practice("submitted")
    with pytest.raises(ValidationError):
        practice_transition(
            practice=practice, by=people["editor"], name="request_changes", note="  "
        )
    practice.refresh_from_db()
    assert practice.review_state == "submitted"


def test_unknown_step(people, make_practice):
    with pytest.raises(InvalidTransition):
        practice_transition(practice=make_practice(), by=people["editor"], name="teleport")


def test_history_is_shown_to_insiders_only(client, people, make_practice):
    practice = make_practice("submitted")
    practice_transition(
        practice=practice,
        by=people["editor"],
        name="request_changes",
        note="Add the budget, please.",
    )
    client.force_login(people["practitioner"])
    assert "Add the budget, please." in client.get(practice.get_absolute_url()).content.decode()
    practice_transition(practice=practice, by=people["practitioner"], name="submit")
    practice_transition(practice=practice, by=people["editor"], name="publish")
    client.force_login(people["other_practitioner"])
    page = client.get(practice.get_absolute_url()).content.decode()
    assert "Add the budget, please." not in page


def test_steps_through_the_web(client, people, make_practice):
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    response = client.post(f"/en/practices/{practice.pk}/step/submit/", {"note": ""})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.review_state == "submitted"
    # a practitioner cannot publish: 403, nothing changes
    assert client.post(f"/en/practices/{practice.pk}/step/publish/").status_code == 403
    practice.refresh_from_db()
    assert practice.review_state == "submitted"
    # anonymous: sent to sign in, nothing changes
    client.logout()
    response = client.post(f"/en/practices/{practice.pk}/step/withdraw/")
    assert response.status_code == 302 and "/en/accounts/login/" in response["Location"]
    practice.refresh_from_db()
    assert practice.review_state == "submitted"
    # an editor sends it back without a note: refused with a message, nothing changes
    client.force_login(people["editor"])
    client.post(f"/en/practices/{practice.pk}/step/request_changes/", {"note": ""})
    practice.refresh_from_db()
    assert practice.review_state == "submitted"
    client.post(f"/en/practices/{practice.pk}/step/publish/")
    practice.refresh_from_db()
    assert practice.review_state == "published"
    # a second publish is a state conflict, reported without a server error
    response = client.post(f"/en/practices/{practice.pk}/step/publish/", follow=True)
    assert response.status_code == 200
    assert "cannot be moved this way" in response.content.decode()


def test_each_step_says_what_happened_in_the_readers_language(client, people, make_practice):
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    page = client.post(f"/fr/practices/{practice.pk}/step/submit/", {"note": ""}, follow=True)
    text = page.content.decode()
    assert "Done." not in text and "Fait." not in text
    assert "soumise" in text  # "La pratique est soumise à la relecture…"
    client.force_login(people["editor"])
    page = client.post(f"/en/practices/{practice.pk}/step/publish/", follow=True)
    assert "The practice is published: everyone can find it now." in page.content.decode()
