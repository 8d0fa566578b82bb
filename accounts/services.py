"""Staff roles: the editor and broker groups, kept equal to what the apps declare.

Each app says, on its AppConfig (`staff_permissions`, see core.staff), which permissions of its
own models each staff group gets; this module only keeps the groups in step. After `migrate`
every app's share is synced as soon as that app's permissions exist (accounts/apps.py), and
`roles_ensure_groups` repairs every group at once (the demo loader, an operator).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.staff import BROKER, EDITOR, STAFF_ROLES, staff_permissions_of

from .models import User

__all__ = ["BROKER", "EDITOR", "roles_ensure_groups", "roles_sync", "user_grant_staff_role"]


def roles_sync(*, app_configs: Iterable[AppConfig]) -> dict[str, Group]:
    """Make the staff groups' permissions on these apps' models exactly what the apps declare
    (creating the groups when missing). Permissions on other apps' models are left alone."""
    configs = list(app_configs)
    labels = [c.label for c in configs]
    wanted: dict[str, set[tuple[str, str]]] = {
        role: {(c.label, codename) for c in configs for codename in staff_permissions_of(c)[role]}
        for role in STAFF_ROLES
    }
    existing = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.filter(
            content_type__app_label__in=labels
        ).values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(set().union(*wanted.values()) - set(existing))
    if missing:
        names = ", ".join(f"{label}.{codename}" for label, codename in missing)
        raise LookupError(f"Permission(s) {names} do not exist; run migrate first.")
    groups = {}
    with transaction.atomic():
        for role in STAFF_ROLES:
            group, _created = Group.objects.get_or_create(name=role)
            want = {existing[key] for key in wanted[role]}
            have = set(
                group.permissions.filter(content_type__app_label__in=labels).values_list(
                    "pk", flat=True
                )
            )
            if have - want:
                group.permissions.remove(*(have - want))
            if want - have:
                group.permissions.add(*(want - have))
            groups[role] = group
    return groups


def roles_ensure_groups() -> dict[str, Group]:
    """Create or repair the staff groups so each has exactly its permissions. Idempotent."""
    return roles_sync(app_configs=apps.get_app_configs())


def user_grant_staff_role(*, user: User, role: str) -> User:
    """Put a secretariat member in the editor or broker group (staff can use the admin). The
    group is looked up, and created with its permissions only if it is missing: `migrate` keeps
    the groups in step, so granting a role costs a handful of queries."""
    if role not in STAFF_ROLES:
        raise ValueError(f"Unknown staff role {role!r}; expected editor or broker.")
    group = Group.objects.filter(name=role).first() or roles_ensure_groups()[role]
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
