"""Two PATCHes of different fields of one practice at the same moment, on PostgreSQL: both
changes survive, because the merge with the stored values happens under the row lock
(practices.services.practice_patch), after the other request has committed."""

import pytest

from practices.models import Practice
from tests.factories import CityFactory, MembershipFactory, PracticeFactory
from tests.support import race_for_practice_lock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("celery_join_flag"),
]


def test_simultaneous_patches_of_different_fields_both_survive(client_for):
    # Rows of its own: the module-shared people live in a transaction this test cannot use.
    city = CityFactory()
    people = {
        "practitioner": MembershipFactory(city=city, role="practitioner").user,
        "official": MembershipFactory(city=city, role="official").user,
    }
    practice = PracticeFactory(
        city=city,
        review_state="draft",
        created_by=people["practitioner"],
        text__title="Old title",
        text__summary="Old summary.",
    )
    url = f"/api/v1/practices/{practice.pk}/"
    patches = {
        "practitioner": {"title": "New title"},
        "official": {"summary": "New summary.", "main_actors": "The city council"},
    }
    clients = {role: client_for(people[role]) for role in patches}
    roles = list(patches)
    # Each request reads the practice (as a view does), then waits for the lock in the service.
    answers = dict(
        zip(
            roles,
            race_for_practice_lock(
                practice.pk,
                [
                    lambda role=role: clients[role].patch(url, patches[role], format="json")
                    for role in roles
                ],
                wait=30,
            ),
            strict=True,
        )
    )

    assert {role: answer.status_code for role, answer in answers.items()} == {
        "practitioner": 200,
        "official": 200,
    }
    practice = Practice.objects.get(pk=practice.pk)
    original = practice.original
    assert original.title == "New title"
    assert original.summary == "New summary."
    assert practice.main_actors == "The city council"


def test_eight_simultaneous_patches_without_version_all_survive(client_for):
    """The outside tester's case: eight PATCHes of eight different fields, none with a
    version, all in flight at once. Each answers 200 and every change is kept."""
    city = CityFactory()
    practice = PracticeFactory(city=city, review_state="draft")
    patches = [
        {"title": "Title by 0"},
        {"summary": "Summary by 1."},
        {"sections": {"context": "Context by 2"}},
        {"sections": {"results": "Results by 3"}},
        {"main_actors": "Actors by 4"},
        {"contacts": "Contacts by 5"},
        {"awards": "Awards by 6"},
        {"start_year": 2016},
    ]
    clients = [
        client_for(MembershipFactory(city=city, role="practitioner").user) for _patch in patches
    ]
    url = f"/api/v1/practices/{practice.pk}/"
    answers = race_for_practice_lock(
        practice.pk,
        [lambda i=i: clients[i].patch(url, patches[i], format="json") for i in range(len(patches))],
    )

    assert sorted(answer.status_code for answer in answers) == [200] * len(patches)
    practice = Practice.objects.get(pk=practice.pk)
    original = practice.original
    assert (original.title, original.summary) == ("Title by 0", "Summary by 1.")
    assert (original.context, original.results) == ("Context by 2", "Results by 3")
    assert (practice.main_actors, practice.contacts, practice.awards) == (
        "Actors by 4",
        "Contacts by 5",
        "Awards by 6",
    )
    assert practice.start_year == 2016


def test_simultaneous_stale_versions_one_wins_the_others_get_409(client_for):
    """Four clients PATCH with the same version at once: exactly one change is applied and
    the three others answer 409 `stale`, changing nothing."""
    city = CityFactory()
    practice = PracticeFactory(city=city, review_state="draft", text__title="Old title")
    clients = [client_for(MembershipFactory(city=city).user) for _i in range(4)]
    url = f"/api/v1/practices/{practice.pk}/"
    version = clients[0].get(url).json()["version"]
    answers = dict(
        enumerate(
            race_for_practice_lock(
                practice.pk,
                [
                    lambda i=i: clients[i].patch(
                        url, {"title": f"Title by {i}", "version": version}, format="json"
                    )
                    for i in range(len(clients))
                ],
            )
        )
    )

    statuses = {i: answer.status_code for i, answer in answers.items()}
    assert sorted(statuses.values()) == [200, 409, 409, 409]
    (winner,) = [i for i, status in statuses.items() if status == 200]
    assert all(answers[i].json()["code"] == "stale" for i in statuses if i != winner)
    assert Practice.objects.get(pk=practice.pk).original.title == f"Title by {winner}"
