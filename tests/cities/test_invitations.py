"""Invitations to a city, from the outside: who may invite, the link's one use, its expiry,
that it cannot be guessed, signing up through it and joining with an existing account."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Invitation, User
from cities.invitations import invitation_create
from cities.models import CityMembership
from exchanges.models import Match
from tests.factories import CityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

NEW = "/en/invitations/new/"


def _link(message) -> str:
    found = re.search(r"https?://\S+/invitations/(\S+)/", message.body)
    assert found, message.body
    return found.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def invite(cast_, django_capture_on_commit_callbacks):
    def send(*, by=None, city=None, email="ana@example.org", role="official", language="fr"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = invitation_create(
                by=by or cast_["people"]["broker"],
                city=city or cast_["outsider"],
                email=email,
                role=role,
                language=language,
            )
        return invitation, f"/en/invitations/{token}/"

    return send


def test_a_broker_invites_through_the_form_and_the_mail_is_in_the_chosen_language(
    client, cast_, django_capture_on_commit_callbacks
):
    client.force_login(cast_["people"]["broker"])
    city = CityFactory(name="Nouakchott", languages=["ar", "fr"])
    form = client.get(NEW, {"city": city.pk}).content.decode()
    # The city's first working language the site speaks is offered first.
    assert re.search(r'<option value="fr" selected>', form)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            NEW,
            {"city": city.pk, "email": "Ana@Example.org", "role": "official", "language": "fr"},
        )
    assert answer.status_code == 302
    [sent] = mail.outbox
    assert sent.to == ["ana@example.org"]
    assert "Rejoignez Nouakchott" in sent.subject
    assert "comme responsable" in sent.body
    token = _link(sent).rstrip("/").rsplit("/", 1)[1]
    # Only a hash of the token is kept.
    [row] = Invitation.objects.all()
    assert token not in str(Invitation.objects.filter(pk=row.pk).values().first())
    assert (row.email, row.city, row.role) == ("ana@example.org", city, "official")


def test_signing_up_through_the_link_creates_the_account_and_the_membership(client, invite):
    invitation, url = invite()
    page = client.get(url)
    assert page.status_code == 200
    assert "ana@example.org" in page.content.decode()
    answer = client.post(
        url,
        {
            "first_name": "Ana",
            "last_name": "Diop",
            "password": "a-long-enough-pass-phrase",
            "password_again": "a-long-enough-pass-phrase",
            "language": "fr",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/en/exchanges/mine/"
    user = User.objects.get(email="ana@example.org")
    assert (user.first_name, user.preferred_language) == ("Ana", "fr")
    assert CityMembership.objects.get(user=user).city == invitation.city
    assert CityMembership.objects.get(user=user).role == "official"
    # Signed in: the page the link led to is theirs.
    assert client.get("/en/exchanges/mine/").status_code == 200


def test_a_link_works_once(client, invite):
    invitation, url = invite()
    client.post(
        url,
        {
            "first_name": "Ana",
            "last_name": "Diop",
            "password": "a-long-enough-pass-phrase",
            "password_again": "a-long-enough-pass-phrase",
            "language": "en",
        },
    )
    client.logout()
    again = client.get(url)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    other = CityFactory()
    someone = MembershipFactory(city=other).user
    client.force_login(someone)
    assert client.post(url).status_code == 410
    assert not CityMembership.objects.filter(user=someone, city=invitation.city).exists()


def test_an_expired_link_is_refused_with_words(client, invite, cast_):
    invitation, url = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    answer = client.get(url)
    assert answer.status_code == 410
    assert "expired" in answer.content.decode()
    client.force_login(cast_["people"]["nobody"])
    assert client.post(url).status_code == 410
    assert not CityMembership.objects.filter(city=invitation.city, user__email="ana@example.org")
    assert not CityMembership.objects.filter(user=cast_["people"]["nobody"]).exists()


def test_the_validity_is_a_setting(settings, invite):
    settings.INVITATION_VALID_DAYS = 2
    invitation, _url = invite()
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_guessed_or_altered_links_find_nothing(client, invite):
    _invitation, url = invite()
    token = url.rstrip("/").rsplit("/", 1)[1]
    guesses = [secrets.token_urlsafe(32) for _ in range(20)]
    guesses += [token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "x", "a" * 43]
    for guess in guesses:
        answer = client.get(f"/en/invitations/{guess}/")
        assert answer.status_code == 404, guess
        assert "Invitation not found" in answer.content.decode()
        assert client.post(f"/en/invitations/{guess}/").status_code == 404


def test_an_official_invites_to_their_own_city_only(client, cast_):
    official = cast_["people"]["requester_official"]
    with pytest.raises(PermissionDenied):
        invitation_create(
            by=official, city=cast_["peer"], email="x@example.org", role="official", language="en"
        )
    client.force_login(official)
    form = client.get(NEW).content.decode()
    assert cast_["requester"].name in form and cast_["peer"].name not in form
    refused = client.post(
        NEW,
        {"city": cast_["peer"].pk, "email": "x@example.org", "role": "official", "language": "en"},
    )
    assert refused.status_code == 400
    assert not Invitation.objects.exists()
    allowed = client.post(
        NEW,
        {
            "city": cast_["requester"].pk,
            "email": "x@example.org",
            "role": "practitioner",
            "language": "en",
        },
    )
    assert allowed.status_code == 302
    assert Invitation.objects.get().city == cast_["requester"]


@pytest.mark.parametrize("who", ["requester_practitioner", "nobody"])
def test_practitioners_and_people_without_a_city_do_not_invite(client, cast_, who):
    client.force_login(cast_["people"][who])
    assert client.get(NEW).status_code == 403
    with pytest.raises(PermissionDenied):
        invitation_create(
            by=cast_["people"][who],
            city=cast_["requester"],
            email="x@example.org",
            role="practitioner",
            language="en",
        )


def test_signed_out_visitors_are_sent_to_sign_in(client):
    answer = client.get(NEW)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_a_signed_in_account_joins_and_keeps_a_higher_role(client, cast_, invite):
    peer_official = cast_["people"]["peer_official"]
    _inv, url = invite(city=cast_["outsider"], email=peer_official.email, role="practitioner")
    client.force_login(peer_official)
    page = client.get(url).content.decode()
    assert peer_official.email in page
    assert client.post(url).status_code == 302
    assert CityMembership.objects.get(user=peer_official, city=cast_["outsider"]).role == (
        "practitioner"
    )
    # Invited as practitioner where they are an official already: they stay official.
    _inv, url = invite(city=cast_["peer"], email="other@example.org", role="practitioner")
    client.post(url)
    assert CityMembership.objects.get(user=peer_official, city=cast_["peer"]).role == "official"


def test_an_existing_account_signed_out_is_asked_to_sign_in(client, cast_, invite):
    existing = cast_["people"]["nobody"]
    _inv, url = invite(email=existing.email)
    page = client.get(url).content.decode()
    assert "exists already" in page and "/accounts/login/?next=" in page
    client.post(url, {"first_name": "A", "last_name": "B", "password": "x", "language": "en"})
    assert not CityMembership.objects.filter(user=existing).exists()


def test_board_and_ranking_warn_when_nobody_can_answer(client, cast_, make_request):
    request = make_request(taken=True, broker=cast_["people"]["broker"])
    empty = CityFactory(name="Emptyville")
    Match.objects.create(request=request, peer_city=empty, score=0.5, status="proposed")
    Match.objects.create(request=request, peer_city=cast_["peer"], score=0.4)
    client.force_login(cast_["people"]["broker"])
    invite_link = f"/en/invitations/new/?city={empty.pk}&amp;next="
    for url in ("/en/exchanges/board/", f"/en/exchanges/requests/{request.pk}/"):
        page = client.get(url).content.decode()
        assert "Nobody at Emptyville can answer yet" in page, url
        assert invite_link in page, url
        assert f"Nobody at {cast_['peer'].name}" not in page
    # Once someone belongs to it, the warning goes.
    MembershipFactory(city=empty)
    assert "Nobody at Emptyville" not in client.get("/en/exchanges/board/").content.decode()


def test_one_person_sends_a_limited_number_of_invitations_a_day(settings, cast_, invite):
    settings.INVITATIONS_PER_DAY = 2
    invite(email="a@example.org")
    invite(email="b@example.org")
    with pytest.raises(ValidationError, match="2 invitations"):
        invite(email="c@example.org")
    # Someone else still may.
    invite(by=cast_["people"]["broker2"], email="c@example.org")
