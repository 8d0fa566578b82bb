from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every app shares (domain errors, the transition machinery of the
    state machines, membership and staff-role checks, turning a domain error into a message).
    It imports no app of the project, so every app may import it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self) -> None:
        from django.db.models import IntegerField

        from .lookups import IntegerFieldIn
        from .observability import connect_task_signals

        IntegerField.register_lookup(IntegerFieldIn)
        connect_task_signals()
