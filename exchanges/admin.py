from django.contrib import admin

from .models import Exchange, ExchangeEvent, ExchangeRequest, Match


@admin.register(ExchangeRequest)
class ExchangeRequestAdmin(admin.ModelAdmin):
    list_display = ["city", "state", "broker", "created_at"]
    list_filter = ["state", "challenges"]
    search_fields = ["city__name", "need"]
    autocomplete_fields = ["city"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["request", "peer_city", "score", "proposed_at"]
    autocomplete_fields = ["peer_city"]


class EventInline(admin.TabularInline):
    model = ExchangeEvent
    extra = 0


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ["match", "state", "format", "starts_on", "ends_on"]
    list_filter = ["state", "format"]
    inlines = [EventInline]


@admin.register(ExchangeEvent)
class ExchangeEventAdmin(admin.ModelAdmin):
    list_display = ["exchange", "from_state", "to_state", "by", "at"]
