from django.apps import AppConfig

from core.staff import BROKER, EDITOR


class PracticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "practices"

    # What the secretariat's staff groups may do with this app's models (core.staff).
    staff_permissions = {
        EDITOR: [
            "view_practice",
            "change_practice",
            "review_practice",
            "view_practicetransition",
            # Editors manage the taxonomy.
            *[
                f"{action}_{model}"
                for model in ("challenge", "sdg", "topic")
                for action in ("view", "add", "change", "delete")
            ],
        ],
        BROKER: ["view_practice"],
    }
