from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import EmailDelivery, Invitation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    # A user's city memberships are edited on this page too: cities.admin adds that inline
    # (accounts sits below cities and does not import it).
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ["key", "to", "subject", "claimed_at", "sent_at"]
    search_fields = ["key", "to", "subject"]
    readonly_fields = ["key", "to", "subject", "claimed_at", "sent_at", "error"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # Invitations are sent from the site (cities.invitations), which mails the link; the admin
    # shows them (never the token: only its hash is stored) and may delete one to revoke it.
    list_display = [
        "email",
        "city",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "city__name"]
    readonly_fields = [
        "email",
        "city",
        "role",
        "language",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request, obj=None):
        return False
