"""How an app declares what the staff groups may do with its models (core.staff)."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from core.staff import BROKER, EDITOR, staff_permissions_of


class Declaring:
    name = "somewhere"

    def __init__(self, declared):
        self.staff_permissions = declared


def test_an_app_declares_codenames_per_role():
    assert staff_permissions_of(Declaring({BROKER: ["view_thing"]})) == {
        EDITOR: frozenset(),
        BROKER: frozenset({"view_thing"}),
    }
    assert staff_permissions_of(apps.get_app_config("sessions")) == {
        EDITOR: frozenset(),
        BROKER: frozenset(),
    }


@pytest.mark.parametrize(
    "declared",
    [{"admin": ["view_thing"]}, {EDITOR: ["other.view_thing"]}, {EDITOR: "view_thing"}],
)
def test_a_wrong_declaration_is_refused(declared):
    with pytest.raises(ImproperlyConfigured):
        staff_permissions_of(Declaring(declared))


def test_only_the_apps_with_staff_work_declare_it():
    declaring = {c.label for c in apps.get_app_configs() if any(staff_permissions_of(c).values())}
    assert declaring == {"cities", "practices", "exchanges"}
