from django.apps import AppConfig


class FollowingConfig(AppConfig):
    """Saved searches with their e-mail digests, and bookmarks ("my list"). It stands on search
    (a saved search is run through search.selectors) and beside exchanges, which it does not
    import; portal and the practice pages show its buttons through a context processor
    (following.context_processors), so no lower app imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "following"
