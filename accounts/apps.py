from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_groups(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions are created by post_migrate too, so the groups are set up after them,
    # once the last app of the project has migrated.
    if sender.name != "exchanges":
        return
    from .services import roles_ensure_groups

    roles_ensure_groups()


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        post_migrate.connect(_ensure_groups, dispatch_uid="accounts.ensure_groups")
