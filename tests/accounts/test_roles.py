import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.services import BROKER, EDITOR, roles_ensure_groups, user_grant_staff_role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_users_sign_in_with_their_email(client):
    UserFactory(email="ana@example.org")
    assert client.login(email="ana@example.org", password="a-strong-password-1")
    response = client.post(
        "/en/accounts/login/", {"username": "ANA@example.org", "password": "wrong"}, follow=True
    )
    assert response.status_code == 200
    assert "correct" in response.content.decode()  # the form explains, without a 500


def test_email_is_required_and_normalised():
    with pytest.raises(ValueError, match="e-mail"):
        User.objects.create_user("", "x")
    assert User.objects.create_user("Mixed@Example.ORG", "pw-123456789").email == (
        "mixed@example.org"
    )


def test_groups_exist_after_migrate_and_are_repaired():
    assert set(Group.objects.values_list("name", flat=True)) >= {EDITOR, BROKER}
    Group.objects.get(name=EDITOR).permissions.clear()
    roles_ensure_groups()
    assert Group.objects.get(name=EDITOR).permissions.filter(codename="review_practice").exists()


def test_editor_permissions():
    editor = user_grant_staff_role(user=UserFactory(), role=EDITOR)
    editor = User.objects.get(pk=editor.pk)
    assert editor.is_staff
    assert editor.has_perm("practices.review_practice")
    assert editor.has_perm("practices.change_topic")
    assert not editor.has_perm("exchanges.broker_exchange")


def test_broker_permissions():
    broker = User.objects.get(pk=user_grant_staff_role(user=UserFactory(), role=BROKER).pk)
    assert broker.has_perm("exchanges.broker_exchange")
    assert broker.has_perm("exchanges.change_exchangerequest")
    assert not broker.has_perm("practices.review_practice")
    assert not broker.has_perm("practices.change_topic")


def test_practitioners_and_officials_have_no_staff_permission():
    for role in ("practitioner", "official"):
        user = MembershipFactory(role=role).user
        user = User.objects.get(pk=user.pk)
        assert not user.is_staff
        assert not user.has_perm("practices.review_practice")
        assert not user.has_perm("exchanges.broker_exchange")


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="editor or broker"):
        user_grant_staff_role(user=UserFactory(), role="admin")
