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


# Every permission of each staff group, written out: what the apps declare on their AppConfig
# (core.staff) must add up to exactly this after `migrate`, nothing more.
TAXONOMY = [
    f"practices.{action}_{model}"
    for model in ("challenge", "sdg", "topic")
    for action in ("view", "add", "change", "delete")
]
EXCHANGES = [
    f"exchanges.{action}_{model}"
    for model in ("exchangerequest", "match", "exchange", "exchangeevent")
    for action in ("view", "add", "change")
]
EXPECTED = {
    EDITOR: {
        "practices.view_practice",
        "practices.change_practice",
        "practices.review_practice",
        "practices.view_practicetransition",
        *TAXONOMY,
        "cities.view_city",
    },
    BROKER: {
        "exchanges.broker_exchange",
        *EXCHANGES,
        "practices.view_practice",
        "cities.view_city",
        "cities.view_cityindicator",
        "cities.view_citymembership",
    },
}


def _group_permissions(name):
    return {
        f"{label}.{codename}"
        for label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_groups_have_exactly_their_permissions_after_migrate():
    assert {name: _group_permissions(name) for name in EXPECTED} == EXPECTED


def test_groups_are_repaired():
    from django.contrib.auth.models import Permission

    Group.objects.get(name=EDITOR).permissions.clear()
    broker = Group.objects.get(name=BROKER)
    broker.permissions.add(Permission.objects.get(codename="review_practice"))
    broker.permissions.remove(Permission.objects.get(codename="view_city"))
    roles_ensure_groups()
    assert {name: _group_permissions(name) for name in EXPECTED} == EXPECTED
    roles_ensure_groups()  # idempotent
    assert {name: _group_permissions(name) for name in EXPECTED} == EXPECTED


def test_a_missing_group_is_created_with_its_permissions_when_granting():
    Group.objects.filter(name=BROKER).delete()
    broker = user_grant_staff_role(user=UserFactory(), role=BROKER)
    assert _group_permissions(BROKER) == EXPECTED[BROKER]
    assert User.objects.get(pk=broker.pk).has_perm("exchanges.broker_exchange")


def test_granting_a_role_is_a_handful_of_queries(django_assert_max_num_queries):
    user = UserFactory()
    with django_assert_max_num_queries(6):
        user_grant_staff_role(user=user, role=EDITOR)
    with django_assert_max_num_queries(6):
        user_grant_staff_role(user=user, role=BROKER)
    assert set(user.groups.values_list("name", flat=True)) == {EDITOR, BROKER}


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
