"""Two web forms opened on the same version and saved at the same moment, on PostgreSQL:
the conflict is decided under the practice's row lock, so exactly one save wins and the other
gets the conflict page (409), whichever reaches the lock first."""

import pytest
from django.test import Client

from practices.models import Practice
from tests.factories import CityFactory, MembershipFactory, PracticeFactory
from tests.practices.test_edit_conflicts import form_of, posting
from tests.support import race_for_practice_lock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("celery_join_flag"),
]


def test_two_forms_saved_at_once_one_wins_the_other_gets_the_conflict():
    city = CityFactory()
    practice = PracticeFactory(city=city, review_state="draft", text__title="Old title")
    url = f"/en/practices/{practice.pk}/edit/"
    clients = []
    for _i in range(2):
        client = Client()
        client.force_login(MembershipFactory(city=city).user)
        clients.append(client)
    forms = [
        posting(form_of(client.get(url)), title=f"Title by {i}") for i, client in enumerate(clients)
    ]
    answers = dict(
        enumerate(
            race_for_practice_lock(
                practice.pk, [lambda i=i: clients[i].post(url, forms[i]) for i in range(2)]
            )
        )
    )

    statuses = {i: answer.status_code for i, answer in answers.items()}
    assert sorted(statuses.values()) == [302, 409]
    (winner,) = [i for i, status in statuses.items() if status == 302]
    assert Practice.objects.get(pk=practice.pk).original.title == f"Title by {winner}"
    loser = answers[1 - winner]
    assert form_of(loser)["title"] == [f"Title by {1 - winner}"]
