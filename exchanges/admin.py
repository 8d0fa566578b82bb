"""The exchanges in the admin: for looking and for fixing what no workflow owns.

Every field a workflow owns (states, who took a step and when, the history) is read-only here,
and history rows cannot be added, changed or deleted: a state moves only through
exchanges.services and its table (exchanges/workflow.py), which checks who may take the step
and writes the history with the real actor (issue 14: a broker could set an exchange's state
and add events "by" another user here).
"""

from typing import Any

from django.contrib import admin

from .models import Exchange, ExchangeEvent, ExchangeRequest, Match


class ReadOnlyHistory:
    """No adding, changing or deleting (viewing stays)."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ExchangeRequest)
class ExchangeRequestAdmin(admin.ModelAdmin):
    list_display = ["city", "state", "broker", "created_at"]
    list_filter = ["state", "challenges"]
    search_fields = ["city__name", "need"]
    autocomplete_fields = ["city"]
    readonly_fields = ["state", "broker", "created_by", "created_at"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["request", "peer_city", "score", "status", "proposed_at"]
    autocomplete_fields = ["peer_city"]
    readonly_fields = [
        "status",
        "response",
        "responded_by",
        "responded_at",
        "proposed_by",
        "proposed_at",
        "created_at",
    ]


class EventInline(ReadOnlyHistory, admin.TabularInline):
    model = ExchangeEvent
    extra = 0
    readonly_fields = ["from_state", "to_state", "by", "at", "note"]


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ["match", "state", "format", "starts_on", "ends_on"]
    list_filter = ["state", "format"]
    readonly_fields = ["match", "state", "created_at", "updated_at"]
    inlines = [EventInline]


@admin.register(ExchangeEvent)
class ExchangeEventAdmin(ReadOnlyHistory, admin.ModelAdmin):
    list_display = ["exchange", "from_state", "to_state", "by", "at"]
