from django.apps import AppConfig

from core.staff import BROKER, EDITOR


class CitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cities"

    # What the secretariat's staff groups may do with this app's models (core.staff).
    staff_permissions = {
        EDITOR: ["view_city"],
        BROKER: ["view_city", "view_cityindicator", "view_citymembership"],
    }
