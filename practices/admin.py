from typing import Any

from django.contrib import admin
from django.utils.html import format_html
from parler.admin import TranslatableAdmin

from .models import Challenge, Practice, PracticeAttachment, PracticeTransition, Sdg, Topic
from .outbox import outbox_record


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_fr", "name_es", "order"]


@admin.register(Sdg)
class SdgAdmin(admin.ModelAdmin):
    list_display = ["number", "title_en", "title_fr", "title_es"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_fr", "name_es"]
    search_fields = ["slug", "name_en"]


class TransitionInline(admin.TabularInline):
    model = PracticeTransition
    extra = 0
    readonly_fields = ["from_state", "to_state", "by", "at", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # history is written by the review services only


class AttachmentInline(admin.TabularInline):
    model = PracticeAttachment
    extra = 0
    # Files are added through the practice page, which checks them; here they are listed with
    # a link through the view that serves them (there is no public URL of the stored file).
    fields = ["open", "title", "kind", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["open", "kind", "content_type", "size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="file")
    def open(self, attachment: PracticeAttachment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            attachment.get_absolute_url(),
            attachment.original_name or attachment.pk,
        )


@admin.register(Practice)
class PracticeAdmin(TranslatableAdmin):
    list_display = ["__str__", "city", "language", "status", "review_state", "published_at"]
    list_filter = ["review_state", "language", "status", "challenges"]
    search_fields = ["translations__title", "translations__summary", "city__name"]
    list_select_related = ["city"]
    autocomplete_fields = ["city", "partner_cities"]
    filter_horizontal = ["challenges", "sdgs", "topics"]
    # The review state changes only through the review services, which keep the history; the
    # cover only through practice_cover_set, which checks the image and its alternative text.
    readonly_fields = [
        "cover",
        "review_state",
        "published_at",
        "created_at",
        "updated_at",
        "edited_at",
        "edited_by",
    ]
    inlines = [AttachmentInline, TransitionInline]

    # An edit here changes what search shows: the same outbox row as the services write, in
    # the same transaction (the admin wraps a change in one), so the index catches up.
    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        outbox_record(practice_ids=[form.instance.pk])

    def delete_model(self, request: Any, obj: Practice) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        outbox_record(practice_ids=[pk])

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        outbox_record(practice_ids=pks)
