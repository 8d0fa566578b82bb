"""Conversations in the admin: for looking only. Messages are what people wrote to each other;
an operator neither writes nor edits them here, and who reads a thread follows from its
subject (conversations.selectors), so there is nothing to set by hand."""

from typing import Any

from django.contrib import admin

from .models import Message, PracticeContact, Thread


class LookOnly:
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class MessageInline(LookOnly, admin.TabularInline):
    model = Message
    fields = ["author", "author_city", "created_at", "body"]
    readonly_fields = ["author", "author_city", "created_at", "body"]
    extra = 0


@admin.register(Thread)
class ThreadAdmin(LookOnly, admin.ModelAdmin):
    list_display = ["pk", "kind", "request", "match", "practice", "last_message_at"]
    list_filter = ["kind"]
    inlines = [MessageInline]


@admin.register(PracticeContact)
class PracticeContactAdmin(LookOnly, admin.ModelAdmin):
    list_display = ["practice", "user", "order"]
    search_fields = ["user__email"]
