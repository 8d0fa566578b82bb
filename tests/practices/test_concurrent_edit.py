"""Two web forms opened on the same version and saved at the same moment, on PostgreSQL:
the conflict is decided under the practice's row lock, so exactly one save wins and the other
gets the conflict page (409), whichever reaches the lock first."""

import threading
import time

import pytest
from celery.result import allow_join_result
from django.db import connection, connections, transaction
from django.test import Client

from practices.models import Practice
from tests.factories import CityFactory, MembershipFactory, PracticeFactory
from tests.practices.test_edit_conflicts import form_of, posting

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _celery_join_flag():
    # See tests/api/test_concurrent_patch.py: eager tasks in two threads and Celery's flag.
    with allow_join_result():
        yield


def _waiting_for_locks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


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
    answers = {}

    def save(i):
        try:
            answers[i] = clients[i].post(url, forms[i])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    with transaction.atomic():
        Practice.objects.select_for_update().get(pk=practice.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while _waiting_for_locks() < len(threads) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_locks() == len(threads), "the saves did not reach the row lock"
    for thread in threads:
        thread.join(timeout=120)

    statuses = {i: answer.status_code for i, answer in answers.items()}
    assert sorted(statuses.values()) == [302, 409]
    (winner,) = [i for i, status in statuses.items() if status == 302]
    assert Practice.objects.get(pk=practice.pk).original.title == f"Title by {winner}"
    loser = answers[1 - winner]
    assert form_of(loser)["title"] == [f"Title by {1 - winner}"]
