from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Message threads between cities and the secretariat: on exchange requests, on each
    proposal to a peer city, and questions to the city behind a practice. It stands above
    exchanges (it names requests and proposals) and below api and portal (which show it)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "conversations"
