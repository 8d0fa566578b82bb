from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_staff_groups(sender: AppConfig, **kwargs: Any) -> None:
    # post_migrate is sent once per app, and auth's receiver (connected before this one, auth
    # being installed first) has just created that app's permissions: its share of the staff
    # groups can be synced now, whichever app comes last.
    from .services import roles_sync

    roles_sync(app_configs=[sender])


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        post_migrate.connect(_sync_staff_groups, dispatch_uid="accounts.sync_staff_groups")
