"""The secretariat's staff roles, and how each app says what they may do with its models.

An app declares, on its AppConfig, the permission codenames of its own models that each staff
group gets:

    class PracticesConfig(AppConfig):
        staff_permissions = {EDITOR: ["review_practice", ...], BROKER: ["view_practice"]}

accounts.services keeps the groups exactly equal to what the apps declare, one app at a time
(after that app's permissions exist), so no app has to know the others' permissions or which app
migrates last. This module imports no model: apps.py files import it while Django is loading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

EDITOR = "editor"
BROKER = "broker"
STAFF_ROLES = (EDITOR, BROKER)


def staff_permissions_of(app_config: AppConfig) -> dict[str, frozenset[str]]:
    """The codenames (of the app's own models) each staff group gets from this app."""
    declared: Mapping[str, Iterable[str]] = getattr(app_config, "staff_permissions", {})
    unknown = set(declared) - set(STAFF_ROLES)
    if unknown:
        raise ImproperlyConfigured(
            f"{app_config.name}.staff_permissions names unknown roles {sorted(unknown)}; "
            f"the staff roles are {', '.join(STAFF_ROLES)}."
        )
    result: dict[str, frozenset[str]] = {}
    for role in STAFF_ROLES:
        codenames = frozenset(declared.get(role, ()))
        if isinstance(declared.get(role), str) or any("." in c for c in codenames):
            raise ImproperlyConfigured(
                f"{app_config.name}.staff_permissions[{role!r}] lists codenames of the app's "
                "own models, without an app label."
            )
        result[role] = codenames
    return result
