"""Issue 14, item 13, from the outside: deleting drafts that were never published (web and
API, with who may), and one draft, not three, from a "new practice" sent several times."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import token_create
from practices.models import Practice, PracticeAttachment, PracticeTransition
from tests.api.test_practices import new_practice_body
from tests.practices.test_editing import form_data, png_bytes

pytestmark = pytest.mark.django_db

API_ROLES = ["practitioner", "official", "other_practitioner", "editor", "broker", "nobody"]


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='t')[1]}")
    return client


def _with_file(practice, people):
    client = Client()
    client.force_login(people["practitioner"])
    client.post(
        f"/en/practices/{practice.pk}/attachments/",
        {"file": SimpleUploadedFile("map.png", png_bytes(), "image/png")},
    )
    attachment = PracticeAttachment.objects.get(practice=practice)
    assert attachment.file.storage.exists(attachment.file.name)
    return attachment


# Who may delete a draft, and what the others get: the city's members delete; others of the
# platform do not see a draft (404), except editors, who see it but may not delete it (403).
EXPECTED = {
    "practitioner": 204,
    "official": 204,
    "other_practitioner": 404,
    "broker": 404,
    "nobody": 404,
    "editor": 403,
}


@pytest.mark.parametrize("role", API_ROLES)
def test_api_delete_of_a_draft_by_role(people, make_practice, role):
    practice = make_practice("draft")
    response = _api(people[role]).delete(f"/api/v1/practices/{practice.pk}/")
    assert response.status_code == EXPECTED[role], response.content
    assert Practice.objects.filter(pk=practice.pk).exists() is (EXPECTED[role] != 204)


def test_api_delete_removes_texts_files_and_history(
    people, make_practice, django_capture_on_commit_callbacks
):
    practice = make_practice("draft")
    attachment = _with_file(practice, people)
    storage, name = attachment.file.storage, attachment.file.name
    anonymous = _api().delete(f"/api/v1/practices/{practice.pk}/")
    assert anonymous.status_code == 401
    member = _api(people["practitioner"])
    with django_capture_on_commit_callbacks(execute=True):
        assert member.delete(f"/api/v1/practices/{practice.pk}/").status_code == 204
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert not PracticeTransition.objects.filter(practice_id=practice.pk).exists()
    assert not storage.exists(name)
    assert member.get(f"/api/v1/practices/{practice.pk}/").status_code == 404
    assert member.delete(f"/api/v1/practices/{practice.pk}/").status_code == 404


@pytest.mark.parametrize(
    "state, published, message",
    [
        ("published", True, "Archive it instead"),
        ("archived", True, "Archive it instead"),
        ("changes_requested", True, "Archive it instead"),  # unpublished after publication
        ("submitted", False, "withdraw it to draft"),
    ],
)
def test_what_was_published_or_is_in_review_is_not_deleted(
    people, make_practice, state, published, message
):
    practice = make_practice(state)
    if published and practice.published_at is None:
        Practice.objects.filter(pk=practice.pk).update(published_at="2024-01-01T00:00Z")
    response = _api(people["official"]).delete(f"/api/v1/practices/{practice.pk}/")
    assert response.status_code == 409, response.content
    assert message in response.json()["detail"]
    assert Practice.objects.filter(pk=practice.pk).exists()
    web = Client()
    web.force_login(people["official"])
    page = web.post(f"/fr/practices/{practice.pk}/delete/", follow=True)
    assert page.status_code == 200
    assert Practice.objects.filter(pk=practice.pk).exists()
    french = "Archivez-la plutôt" if published else "retirez-la"
    assert french in page.content.decode()


def test_a_never_published_draft_sent_back_can_be_deleted(people, make_practice):
    practice = make_practice("changes_requested")
    response = _api(people["practitioner"]).delete(f"/api/v1/practices/{practice.pk}/")
    assert response.status_code == 204


def test_web_delete_asks_then_deletes(
    client, people, make_practice, django_capture_on_commit_callbacks
):
    practice = make_practice("draft")
    attachment = _with_file(practice, people)
    client.force_login(people["practitioner"])
    detail = client.get(practice.get_absolute_url()).content.decode()
    assert f"/en/practices/{practice.pk}/delete/" in detail
    confirm = client.get(f"/fr/practices/{practice.pk}/delete/")
    assert confirm.status_code == 200
    assert "Supprimer ce brouillon" in confirm.content.decode()
    assert Practice.objects.filter(pk=practice.pk).exists()  # asking deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/fr/practices/{practice.pk}/delete/")
    assert done.status_code == 302 and done["Location"] == "/fr/practices/mine/"
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert not attachment.file.storage.exists(attachment.file.name)
    assert "a été supprimé" in client.get(done["Location"]).content.decode()


def test_web_delete_permissions_from_outside(client, people, make_practice):
    practice = make_practice("draft")
    url = f"/en/practices/{practice.pk}/delete/"
    assert client.get(url).status_code == 302  # to sign in
    assert client.post(url).status_code == 302
    assert "/accounts/login/" in client.post(url)["Location"]
    for role, status in (("other_practitioner", 404), ("broker", 404), ("editor", 403)):
        client.force_login(people[role])
        assert client.get(url).status_code == status, role
        assert client.post(url).status_code == status, role
        # the button is offered to no one who may not press it
        if status == 403:
            assert url not in client.get(practice.get_absolute_url()).content.decode()
    assert Practice.objects.filter(pk=practice.pk).exists()


def test_new_practice_sent_three_times_makes_one_draft_on_the_web(client, city, people):
    client.force_login(people["practitioner"])
    answers = [
        client.post("/en/practices/new/", form_data(city=city.pk, language="en")) for _ in range(3)
    ]
    assert {a.status_code for a in answers} == {302}
    assert len({a["Location"] for a in answers}) == 1
    assert Practice.objects.count() == 1
    # another title is another practice
    client.post("/en/practices/new/", form_data(city=city.pk, language="en", title="Day buses"))
    assert Practice.objects.count() == 2


def test_new_practice_sent_three_times_makes_one_draft_over_the_api(people):
    member = _api(people["practitioner"])
    ids = {member.post("/api/v1/practices/", new_practice_body()).json()["id"] for _ in range(3)}
    assert len(ids) == 1
    assert Practice.objects.count() == 1
    # the same body from another member of the city is their own draft
    _api(people["official"]).post("/api/v1/practices/", new_practice_body())
    assert Practice.objects.count() == 2
