from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"

    def ready(self) -> None:
        # practices records what changed without knowing who reads the record (it sits below
        # search): the drain is connected from here.
        from practices.outbox import outbox_recorded

        from .tasks import request_drain

        outbox_recorded.connect(request_drain, dispatch_uid="search.request_drain")
