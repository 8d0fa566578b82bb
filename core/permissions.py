"""Who a user is for the platform: an active account, a member or an official of a city, an
editor or a broker of the secretariat. One definition of each, used by services (which enforce),
selectors (which filter) and pages (which show only the buttons a user may press). Rules that
belong to one app (who may edit a practice, who holds which actor name for an exchange) live in
that app and are built from these.

This floor imports no app above it: a user's memberships are reached through the reverse
relation `memberships` that cities.CityMembership adds to the user model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Model

AnyUser = AbstractUser | AnonymousUser

# The two roles of a city membership (cities.CityMembership.Role takes its values from here).
PRACTITIONER = "practitioner"
OFFICIAL = "official"

# The permission that makes a user an editor or a broker. The staff groups carry it
# (core.staff); a superuser has every permission, so is both.
EDITOR_PERMISSION = "practices.review_practice"
BROKER_PERMISSION = "exchanges.broker_exchange"


def is_active_user(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_editor(user: AnyUser) -> bool:
    return is_active_user(user) and user.has_perm(EDITOR_PERMISSION)


def is_broker(user: AnyUser) -> bool:
    return is_active_user(user) and user.has_perm(BROKER_PERMISSION)


def _city_id(city: Model | int) -> int:
    return city if isinstance(city, int) else cast(int, city.pk)


def _memberships(user: AnyUser) -> Any:
    # The reverse relation cities.CityMembership adds to the user model, reached by name: this
    # floor cannot import cities, so its type is not known here.
    return cast(Any, user).memberships


def city_roles(user: AnyUser, cities: Iterable[Model | int]) -> dict[int, str]:
    """The user's membership role in each of these cities they belong to (city id -> role),
    in one query; {} for a visitor or a deactivated account."""
    if not is_active_user(user):
        return {}
    ids = [_city_id(c) for c in cities]
    return dict(_memberships(user).filter(city_id__in=ids).values_list("city_id", "role"))


def is_member(user: AnyUser, city: Model | int) -> bool:
    """A practitioner or official of the city."""
    if not is_active_user(user):
        return False
    return bool(_memberships(user).filter(city_id=_city_id(city)).exists())


def is_official(user: AnyUser, city: Model | int) -> bool:
    if not is_active_user(user):
        return False
    return bool(_memberships(user).filter(city_id=_city_id(city), role=OFFICIAL).exists())
