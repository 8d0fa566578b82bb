from django.apps import AppConfig

from core.staff import BROKER


class ExchangesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exchanges"

    # What the secretariat's staff groups may do with this app's models (core.staff).
    staff_permissions = {
        BROKER: [
            "broker_exchange",
            *[
                f"{action}_{model}"
                for model in ("exchangerequest", "match", "exchange", "exchangeevent")
                for action in ("view", "add", "change")
            ],
        ],
    }
