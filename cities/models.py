"""Cities, their countries and UN M49 regions, and who works for which city."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import permissions as core_permissions
from core.languages import LANGUAGES, current_language

from .indicators import indicator_label, unit_label


class TranslatedNameMixin(models.Model):
    """Three stored names; `label` picks the one of the active language, English otherwise."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        lang = current_language()
        return str(getattr(self, f"name_{lang}", "") or self.name_en)


class Region(TranslatedNameMixin):
    """A UN M49 region (Africa, Americas, ...) or sub-region (Western Europe, ...)."""

    class Level(models.TextChoices):
        REGION = "region", _("region")
        SUBREGION = "subregion", _("sub-region")

    code = models.CharField(_("M49 code"), max_length=3, unique=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="region", parent__isnull=True)
                | models.Q(level="subregion", parent__isnull=False),
                name="region_parent_matches_level",
            )
        ]


class Country(TranslatedNameMixin):
    iso2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, blank=True)
    m49 = models.CharField(_("M49 numeric code"), max_length=3, blank=True)
    subregion = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="countries", null=True, blank=True
    )

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = "countries"

    @property
    def region(self) -> Region | None:
        return self.subregion.parent if self.subregion else None


class City(models.Model):
    class MemberStatus(models.TextChoices):
        NONE = "", _("not a member")
        ACTIVE = "active", _("active member")
        SUSPENDED = "suspended", _("suspended")
        FORMER = "former", _("former member")

    class SizeBand(models.TextChoices):
        # Bands used by search facets and peer matching; thresholds in `size_band_for`.
        UNDER_1M = "under-1m", _("under 1 million")
        FROM_1M = "1m-3m", _("1 to 3 million")
        FROM_3M = "3m-10m", _("3 to 10 million")
        OVER_10M = "over-10m", _("over 10 million")

    geonameid = models.PositiveIntegerField(_("GeoNames id"), unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    ascii_name = models.CharField(max_length=200, blank=True)
    # The city's name in French and Spanish where it differs from `name` (GeoNames' usual
    # name, shown in English): curated in cities/data/names.json, written by load_cities,
    # editable in the admin. Empty means "the same as `name`".
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    alternate_names = models.JSONField(_("names in other languages"), default=list, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="cities")
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    population_source = models.CharField(max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    member_status = models.CharField(
        max_length=10, choices=MemberStatus.choices, default=MemberStatus.NONE, blank=True
    )
    member_since = models.DateField(null=True, blank=True)
    languages = models.JSONField(
        _("working languages"), default=list, blank=True, help_text="ISO 639-1 codes"
    )
    open_to_exchanges = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    # The language the description is written in; pages label it when it is not the reader's
    # (the demo's descriptions are English only: docs/web.md, "City names and descriptions").
    description_language = models.CharField(
        _("language of the description"), max_length=8, choices=LANGUAGES, default="en"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"
        indexes = [models.Index(fields=["member_status", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member_status="") | models.Q(member_since__isnull=False),
                name="city_member_has_since",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.iso2})"

    def get_absolute_url(self) -> str:
        return reverse("city-detail", kwargs={"slug": self.slug})

    def display_name(self, language: str | None = None) -> str:
        """The name in `language` (the active language by default), else `name`. Every page,
        mail, map and facet shows a city through this (or `label`), so there is one rule."""
        lang = language or current_language()
        return str(getattr(self, f"name_{lang}", "") or self.name) if lang != "en" else self.name

    @property
    def label(self) -> str:
        return self.display_name()

    @property
    def is_member(self) -> bool:
        return self.member_status == self.MemberStatus.ACTIVE

    @property
    def size_band(self) -> str:
        return size_band_for(self.population)


def size_band_for(population: int | None) -> str:
    if not population or population < 1_000_000:
        return City.SizeBand.UNDER_1M
    if population < 3_000_000:
        return City.SizeBand.FROM_1M
    if population < 10_000_000:
        return City.SizeBand.FROM_3M
    return City.SizeBand.OVER_10M


class CityIndicator(models.Model):
    """A figure a city publishes about itself; peer matching compares them."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(max_length=120)
    value = models.DecimalField(max_digits=16, decimal_places=4)
    unit = models.CharField(max_length=40, blank=True)
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["city", "name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name", "year"], name="indicator_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.value}"

    @property
    def label(self) -> str:
        """The name in the active language where cities/indicators.py knows it."""
        return indicator_label(self.name)

    @property
    def unit_label(self) -> str:
        return unit_label(self.unit)


class CityMembership(models.Model):
    """A user works for a city. An official is a practitioner who may also speak for the city."""

    class Role(models.TextChoices):
        # The values are core's: the membership checks every app uses read them.
        PRACTITIONER = core_permissions.PRACTITIONER, _("practitioner")
        OFFICIAL = core_permissions.OFFICIAL, _("official")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "city"], name="membership_unique_user_city")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.city.name} ({self.role})"
