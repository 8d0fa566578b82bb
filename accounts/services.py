"""Staff roles: the editor and broker groups and what each may do."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import User

EDITOR = "editor"
BROKER = "broker"

# Permission codenames per group, as "app_label.codename".
GROUP_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: [
        "practices.view_practice",
        "practices.change_practice",
        "practices.review_practice",
        "practices.view_practicetransition",
        # Editors manage the taxonomy.
        *[
            f"practices.{action}_{model}"
            for model in ("challenge", "sdg", "topic")
            for action in ("view", "add", "change", "delete")
        ],
        "cities.view_city",
    ],
    BROKER: [
        "exchanges.broker_exchange",
        *[
            f"exchanges.{action}_{model}"
            for model in ("exchangerequest", "match", "exchange", "exchangeevent")
            for action in ("view", "add", "change")
        ],
        "practices.view_practice",
        "cities.view_city",
        "cities.view_cityindicator",
        "cities.view_citymembership",
    ],
}


def roles_ensure_groups() -> dict[str, Group]:
    """Create or repair the staff groups so each has exactly its permissions. Idempotent."""
    groups = {}
    with transaction.atomic():
        for name, perms in GROUP_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=name)
            wanted = []
            for dotted in perms:
                app_label, codename = dotted.split(".", 1)
                perm = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if perm is None:
                    raise LookupError(f"Permission {dotted} does not exist; run migrate first.")
                wanted.append(perm)
            group.permissions.set(wanted)
            groups[name] = group
    return groups


def user_grant_staff_role(*, user: User, role: str) -> User:
    """Put a secretariat member in the editor or broker group (staff can use the admin)."""
    if role not in GROUP_PERMISSIONS:
        raise ValueError(f"Unknown staff role {role!r}; expected editor or broker.")
    group = roles_ensure_groups()[role]
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
