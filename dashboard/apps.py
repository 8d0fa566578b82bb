from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The secretariat's figures: the dashboard, the gap view and their CSV downloads. A top
    floor app: it reads exchanges, search and cities and nothing imports it (tests/test_layers.py).
    It has no models of its own."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
