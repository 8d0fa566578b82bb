from django.contrib import admin

from accounts.admin import UserAdmin
from accounts.models import User

from .models import City, CityIndicator, CityMembership, Country, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "name_es", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name_en", "name_fr", "name_es"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso2", "name_en", "name_fr", "name_es", "subregion"]
    list_filter = ["subregion__parent", "subregion"]
    search_fields = ["iso2", "iso3", "name_en", "name_fr", "name_es"]


class IndicatorInline(admin.TabularInline):
    model = CityIndicator
    extra = 0


class MembershipInline(admin.TabularInline):
    model = CityMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "population", "member_status", "open_to_exchanges"]
    list_filter = ["member_status", "open_to_exchanges", "country__subregion__parent"]
    search_fields = ["name", "name_fr", "name_es", "ascii_name", "slug", "country__name_en"]
    list_select_related = ["country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IndicatorInline, MembershipInline]


@admin.register(CityMembership)
class CityMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "city", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "city__name"]
    autocomplete_fields = ["user", "city"]


@admin.register(CityIndicator)
class CityIndicatorAdmin(admin.ModelAdmin):
    list_display = ["city", "name", "value", "unit", "year", "source"]
    search_fields = ["city__name", "name"]
    autocomplete_fields = ["city"]


class UserMembershipInline(admin.TabularInline):
    model = CityMembership
    extra = 0
    autocomplete_fields = ["city"]


# The user page edits the user's memberships as well; accounts, one floor down, cannot name
# CityMembership, so its admin is extended here.
admin.site.unregister(User)


@admin.register(User)
class UserWithMembershipsAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, UserMembershipInline]
