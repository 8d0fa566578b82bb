from django.contrib import admin

from .models import Bookmark, DigestClaim, SavedSearch


# Read-only: users manage their own searches and list on the site (following.services); the
# admin is for looking, e.g. at which digests went out.
class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SavedSearch)
class SavedSearchAdmin(ReadOnly):
    list_display = ["name", "user", "frequency", "query", "news_since"]
    list_filter = ["frequency"]
    search_fields = ["name", "user__email", "query"]


@admin.register(DigestClaim)
class DigestClaimAdmin(ReadOnly):
    list_display = ["saved_search", "period", "window_start", "window_end", "claimed_at"]
    search_fields = ["period", "saved_search__user__email"]


@admin.register(Bookmark)
class BookmarkAdmin(ReadOnly):
    list_display = ["user", "practice", "created_at"]
    search_fields = ["user__email"]
