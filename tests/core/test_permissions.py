"""The membership and staff-role checks every app uses (core.permissions)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.services import BROKER, EDITOR, user_grant_staff_role
from core.permissions import city_roles, is_broker, is_editor, is_member, is_official
from tests.factories import CityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lyon_and_quito():
    return CityFactory(name="Lyon"), CityFactory(name="Quito")


def test_members_and_officials(lyon_and_quito):
    lyon, quito = lyon_and_quito
    practitioner = MembershipFactory(city=lyon, role="practitioner").user
    official = MembershipFactory(city=lyon, role="official").user
    MembershipFactory(user=official, city=quito, role="practitioner")
    assert is_member(practitioner, lyon) and is_member(practitioner, lyon.pk)
    assert not is_official(practitioner, lyon)
    assert is_official(official, lyon) and not is_official(official, quito)
    assert not is_member(practitioner, quito)
    assert city_roles(official, [lyon, quito.pk]) == {lyon.pk: "official", quito.pk: "practitioner"}
    assert city_roles(practitioner, [quito]) == {}


def test_visitors_and_deactivated_accounts_are_nobody(lyon_and_quito):
    lyon, _quito = lyon_and_quito
    official = MembershipFactory(city=lyon, role="official").user
    editor = user_grant_staff_role(user=UserFactory(), role=EDITOR)
    official.is_active = editor.is_active = False
    for user in (official, editor, AnonymousUser()):
        assert not is_member(user, lyon) and not is_official(user, lyon)
        assert city_roles(user, [lyon]) == {}
        assert not is_editor(user) and not is_broker(user)


def test_staff_roles():
    editor = user_grant_staff_role(user=UserFactory(), role=EDITOR)
    broker = user_grant_staff_role(user=UserFactory(), role=BROKER)
    superuser = UserFactory(is_superuser=True)
    assert (is_editor(editor), is_broker(editor)) == (True, False)
    assert (is_editor(broker), is_broker(broker)) == (False, True)
    assert is_editor(superuser) and is_broker(superuser)
    assert not is_editor(UserFactory(is_staff=True))  # the admin alone is not a role
