"""Asking the city behind a practice, from the outside: who sees the form, who may name the
contact people, who reads the question, the mails, and the daily limit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conversations import services
from conversations.models import PracticeContact, Thread
from tests.factories import CityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_who_sees_the_ask_form(client, practice_city, cast_):
    practice = practice_city["practice"]
    url = f"/en/practices/{practice.pk}/"
    ask = f"/en/conversations/practice/{practice.pk}/ask/"
    anonymous = client.get(url).content.decode()
    assert "Sign in to ask the city a question" in anonymous
    assert f'action="{ask}"' not in anonymous
    client.force_login(practice_city["ana"])  # the practice's own city
    own = client.get(url).content.decode()
    assert f'action="{ask}"' not in own and "Choose the contact people" in own
    assert client.get(ask).status_code == 403
    client.force_login(practice_city["asker"])  # another city
    other = client.get(url).content.decode()
    assert f'action="{ask}"' in other and "Choose the contact people" not in other
    client.force_login(cast_["people"]["nobody"])  # signed in, no city: no one to ask for
    assert f'action="{ask}"' not in client.get(url).content.decode()


def test_contact_people_are_members_of_the_city_named_by_its_members(client, practice_city):
    practice, ana, rui = practice_city["practice"], practice_city["ana"], practice_city["rui"]
    url = f"/en/conversations/practice/{practice.pk}/contacts/"
    client.force_login(practice_city["asker"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"contacts": [practice_city["asker"].pk]}).status_code == 403
    client.force_login(ana)
    # Someone of another city is not among the choices: refused in words, nothing saved.
    refused = client.post(url, {"contacts": [practice_city["asker"].pk]})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert not PracticeContact.objects.exists()
    assert client.post(url, {"contacts": [rui.pk]}).status_code == 302
    assert list(PracticeContact.objects.values_list("user", flat=True)) == [rui.pk]
    assert str(rui) in client.get(f"/en/practices/{practice.pk}/").content.decode()
    # The service refuses an outsider too, whatever a form offers.
    with pytest.raises(services.ValidationError):
        services.practice_contacts_set(practice=practice, by=ana, users=[practice_city["asker"]])


def test_a_question_reaches_the_contacts_and_the_secretariat_reads_it(
    client, practice_city, cast_, django_capture_on_commit_callbacks
):
    practice, ana, rui, asker = (practice_city[k] for k in ("practice", "ana", "rui", "asker"))
    services.practice_contacts_set(practice=practice, by=ana, users=[rui])
    rui.preferred_language = "fr"
    rui.save()
    client.force_login(asker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/en/conversations/practice/{practice.pk}/ask/",
            {"body": "How did you pay for the night drivers?"},
        )
    thread = Thread.objects.get(kind="practice")
    assert response.status_code == 302 and response["Location"] == f"/en/conversations/{thread.pk}/"
    assert thread.asker == asker and thread.asker_city == practice_city["porto"]
    # Mailed to the named contact only (not Ana, not the brokers), in French.
    assert [m.to for m in mail.outbox] == [[rui.email]]
    letter = mail.outbox[0]
    assert "Bonjour" in letter.body and "Marie Dupont (Porto)" in letter.body
    assert "Night buses for shift workers" in letter.subject
    assert f"/fr/conversations/{thread.pk}/" in letter.body
    # Who reads it: the asker, the practice's city, the brokers; not a third city.
    for user, status in [
        (asker, 200),
        (ana, 200),
        (rui, 200),
        (cast_["people"]["broker"], 200),
        (cast_["people"]["outsider_official"], 404),
        (cast_["people"]["nobody"], 404),
    ]:
        client.force_login(user)
        assert client.get(f"/en/conversations/{thread.pk}/").status_code == status, user
    # Rui answers; the asker is mailed, in English.
    mail.outbox.clear()
    client.force_login(rui)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/conversations/{thread.pk}/", {"body": "A regional fund."})
    assert [m.to for m in mail.outbox] == [[asker.email]]
    assert "Rui Costa (Lisbon)" in mail.outbox[0].body and "Hello" in mail.outbox[0].body


def test_a_practice_without_contacts_asks_its_members(practice_city, post):
    practice, asker = practice_city["practice"], practice_city["asker"]
    services.practice_question_ask(practice=practice, by=asker, body="Hello?")
    thread = Thread.objects.get()
    post(thread, asker, "Anyone?")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [practice_city["ana"].email, practice_city["rui"].email]
    )


def test_a_contact_who_left_the_city_is_no_longer_one(practice_city):
    from conversations.selectors import practice_contacts

    practice, ana, rui = practice_city["practice"], practice_city["ana"], practice_city["rui"]
    services.practice_contacts_set(practice=practice, by=ana, users=[rui, ana])
    assert practice_contacts(practice_id=practice.pk) == [rui, ana]
    rui.memberships.all().delete()
    assert practice_contacts(practice_id=practice.pk) == [ana]


def test_questions_are_limited_per_person_and_day(client, practice_city, settings):
    settings.CONVERSATION_QUESTIONS_PER_DAY = 2
    practice, asker = practice_city["practice"], practice_city["asker"]
    url = f"/en/conversations/practice/{practice.pk}/ask/"
    client.force_login(asker)
    assert client.post(url, {"body": "One"}).status_code == 302
    assert client.post(url, {"body": "Two"}).status_code == 302
    refused = client.post(url, {"body": "Three"})
    assert refused.status_code == 429
    assert "You have asked 2 questions in the last 24 hours" in refused.content.decode()
    french = client.post(f"/fr/conversations/practice/{practice.pk}/ask/", {"body": "Trois"})
    assert french.status_code == 429 and "Vous avez posé 2 questions" in french.content.decode()
    assert Thread.objects.count() == 2
    # Another person of the same city has their own allowance.
    other = MembershipFactory(city=practice_city["porto"]).user
    client.force_login(other)
    assert client.post(url, {"body": "Mine"}).status_code == 302
    # A day later the asker may ask again.
    Thread.objects.filter(asker=asker).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    client.force_login(asker)
    assert client.post(url, {"body": "Next day"}).status_code == 302


def test_an_unpublished_practice_takes_no_question(client, practice_city):
    practice = practice_city["practice"]
    practice.review_state = "draft"
    practice.save()
    with pytest.raises(services.PermissionDenied):
        services.practice_question_ask(practice=practice, by=practice_city["asker"], body="?")
    client.force_login(practice_city["asker"])
    assert client.post(
        f"/en/conversations/practice/{practice.pk}/ask/", {"body": "?"}
    ).status_code in (403, 404)
    assert not Thread.objects.exists()


def test_a_member_of_two_cities_asks_for_the_other_one(practice_city):
    lisbon, asker = practice_city["lisbon"], practice_city["asker"]
    madrid = CityFactory(name="Madrid")
    MembershipFactory(city=madrid, user=asker)
    thread = services.practice_question_ask(
        practice=practice_city["practice"], by=asker, body="Hello"
    )
    assert thread.asker_city in (practice_city["porto"], madrid) and thread.asker_city != lisbon
