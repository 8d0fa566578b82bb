"""Good practices and the taxonomy that tags them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from parler.fields import TranslationsForeignKey
from parler.models import TranslatableModel, TranslatedFieldsModel

from cities.models import City, TranslatedNameMixin
from core.languages import LANGUAGES, current_language
from core.workflow import HistoryRow

# The body of a practice, in reading order. Other apps (search, forms, imports) use this list.
SECTIONS: list[tuple[str, StrOrPromise]] = [
    ("context", _("Context")),
    ("objectives", _("Objectives")),
    ("implementation", _("Implementation")),
    ("results", _("Results")),
    ("lessons_learned", _("Lessons learned")),
    ("transferability", _("Transferability")),
]
SECTION_NAMES: list[str] = [name for name, _label in SECTIONS]


class Challenge(TranslatedNameMixin):
    slug = models.SlugField(unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]


class Sdg(models.Model):
    """One of the 17 UN Sustainable Development Goals, with its official short titles."""

    number = models.PositiveSmallIntegerField(primary_key=True)
    title_en = models.CharField(max_length=200)
    title_fr = models.CharField(max_length=200)
    title_es = models.CharField(max_length=200)

    class Meta:
        ordering = ["number"]
        verbose_name = "SDG"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=17), name="sdg_number_1_17"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"

    @property
    def label(self) -> str:
        lang = current_language()
        return str(getattr(self, f"title_{lang}", "") or self.title_en)


class Topic(TranslatedNameMixin):
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["slug"]


class Practice(TranslatableModel):
    class ReviewState(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        PUBLISHED = "published", _("published")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        ARCHIVED = "archived", _("archived")

    class Status(models.TextChoices):
        PILOT = "pilot", _("pilot")
        ONGOING = "ongoing", _("ongoing")
        COMPLETED = "completed", _("completed")

    class BudgetBand(models.TextChoices):
        UNKNOWN = "", _("not stated")
        UNDER_100K = "under-100k", _("under 100,000 USD")
        FROM_100K = "100k-1m", _("100,000 to 1 million USD")
        FROM_1M = "1m-10m", _("1 to 10 million USD")
        OVER_10M = "over-10m", _("over 10 million USD")

    # Title, summary and the body sections live in PracticeTranslation, one row per language;
    # the row in `language` is the original.
    language = models.CharField(_("original language"), max_length=2, choices=LANGUAGES)

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="practices")
    partner_cities = models.ManyToManyField(City, blank=True, related_name="partner_practices")
    challenges = models.ManyToManyField(Challenge, related_name="practices")
    sdgs = models.ManyToManyField(Sdg, blank=True, related_name="practices")
    topics = models.ManyToManyField(Topic, blank=True, related_name="practices")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ONGOING)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    budget_band = models.CharField(
        max_length=12, choices=BudgetBand.choices, default=BudgetBand.UNKNOWN, blank=True
    )
    main_actors = models.TextField(_("main actors"), blank=True)
    contacts = models.TextField(_("contacts"), blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    awards = models.TextField(_("awards"), blank=True)

    # Cities that adopted or adapted it after an exchange (exchanges.PracticeAdoption), kept
    # here too for search ranking and sorting.
    adapted_count = models.PositiveIntegerField(default=0)
    # One of its own image attachments (practices.services.practice_cover_set checks that, and
    # that the image has its alternative text); removing the image removes the cover.
    cover = models.ForeignKey(
        "PracticeAttachment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cover image"),
    )
    source_url = models.URLField(_("imported from"), max_length=500, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # What the last import wrote of the details and tags (practices.importing.details_print):
    # when they no longer match, someone changed them on the platform and the import keeps
    # their version.
    import_details_print = models.CharField(max_length=64, blank=True, editable=False)

    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practices_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last edit of the content (not a review step): who and when, for the conflict page
    # (practices.editing). Empty for content written by the importer.
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["review_state", "-published_at"]),
            # The API lists practices most recently changed first (and partners sync with
            # updated_since): an ordered index lets a page stop after its rows.
            models.Index(fields=["-updated_at", "-id"], name="practice_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_url"],
                condition=~models.Q(source_url=""),
                name="practice_unique_source_url",
            ),
            models.CheckConstraint(
                condition=models.Q(start_year__isnull=True)
                | models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="practice_end_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(review_state="published")
                | models.Q(published_at__isnull=False),
                name="practice_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        original = self.original
        return original.title if original else f"Practice {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("practice-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The end year cannot be before the start year.")})

    @property
    def is_published(self) -> bool:
        return self.review_state == self.ReviewState.PUBLISHED

    @property
    def original(self) -> PracticeTranslation | None:
        return self.text_in(self.language, fallback=False)

    def text_in(self, language: str, *, fallback: bool = True) -> PracticeTranslation | None:
        """The text in `language`, else (with `fallback`) the original. Uses prefetched rows."""
        rows = {t.language_code: t for t in self.translations.all()}
        return rows.get(language) or (rows.get(self.language) if fallback else None)


class PracticeTranslation(TranslatedFieldsModel):
    """A practice's text in one language: the original, or a translation of it."""

    class Quality(models.TextChoices):
        ORIGINAL = "original", _("original")
        MACHINE = "machine", _("machine-translated")
        HUMAN_CHECKED = "human_checked", _("human-checked translation")

    master = TranslationsForeignKey(
        Practice, related_name="translations", null=True, on_delete=models.CASCADE
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("one-line summary"), max_length=300)
    context = models.TextField(_("context"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    implementation = models.TextField(_("implementation"), blank=True)
    results = models.TextField(_("results"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    transferability = models.TextField(
        _("transferability"), blank=True, help_text=_("What a city needs to adopt it.")
    )
    quality = models.CharField(max_length=16, choices=Quality.choices, default=Quality.ORIGINAL)
    text_updated_at = models.DateTimeField(auto_now=True)
    # Named apart from Practice.edited_by: parler exposes a translation's fields on the master.
    text_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sentence vector of this language version (float32 bytes, practices.vectors) and the
    # hash of the text and model it was computed from: computed off the request path, kept
    # across rebuilds and re-imports, recomputed only when the hash no longer matches.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    embedding_hash = models.CharField(max_length=64, blank=True, editable=False)
    # What the last import wrote in this language (practices.importing.text_print); empty for
    # a version written on the platform. The import rewrites or deletes only a version whose
    # text still matches it.
    import_text_print = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        unique_together = [("language_code", "master")]
        db_table = "practices_practice_translation"

    def __str__(self) -> str:
        return f"{self.title} [{self.language_code}]"

    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) of every section that has text, in reading order."""
        return [
            (str(label), getattr(self, name)) for name, label in SECTIONS if getattr(self, name)
        ]


def attachment_stored_name(practice_id: int, extension: str) -> str:
    """A new attachment's name in storage: a random token, never the uploader's file name.
    Attachments are served only through practices.views.attachment_file, which applies the
    practice's visibility; the token keeps a leaked or guessed storage path from leading to a
    draft's files if the storage is ever exposed (a misconfigured front server, a bucket)."""
    return f"practices/{practice_id}/{secrets.token_urlsafe(24)}{extension.lower()}"


def _attachment_path(instance: PracticeAttachment, filename: str) -> str:
    _stem, dot, extension = filename.rpartition(".")
    return attachment_stored_name(instance.practice_id, f".{extension}" if dot else "")


ALT_TEXT_LIMIT = 300


class PracticeAttachment(models.Model):
    """An image or PDF attached to a practice, stored through Django's storage API."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", _("PDF document")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    # The uploader's file name, cleaned: offered as the download's name, never used to store.
    original_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    title = models.CharField(max_length=200, blank=True)
    # What the image shows, for people who cannot see it, in the practice's original language
    # (its `lang` on the page). Required for a cover; optional for other images.
    alt_text = models.CharField(_("alternative text"), max_length=ALT_TEXT_LIMIT, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # Images only: the original's size in pixels (after EXIF rotation) and the smaller copies
    # made at upload (practices.images): [{"width", "height", "name"}], narrowest first.
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnails = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["practice", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title or self.original_name or f"attachment {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("practice-attachment", kwargs={"attachment_id": self.pk})

    def thumbnail(self, width: int) -> dict[str, Any] | None:
        return next((t for t in self.thumbnails or [] if t.get("width") == width), None)

    def sizes(self) -> list[ImageSize]:
        """Every copy a browser may choose from (srcset), narrowest first: the thumbnails,
        then the original."""
        found = [
            ImageSize(
                url=reverse(
                    "practice-attachment-thumbnail",
                    kwargs={"attachment_id": self.pk, "width": t["width"]},
                ),
                width=t["width"],
                height=t["height"],
            )
            for t in self.thumbnails or []
        ]
        if self.width and self.height:
            found.append(ImageSize(self.get_absolute_url(), self.width, self.height))
        return found

    def stored_names(self) -> list[str]:
        """The file and its thumbnails, as storage names (all removed with the attachment)."""
        return [self.file.name, *(t["name"] for t in self.thumbnails or [])]


@dataclass(frozen=True)
class ImageSize:
    url: str
    width: int
    height: int


def _pending_path(instance: PendingImage, filename: str) -> str:
    _stem, dot, extension = filename.rpartition(".")
    suffix = f".{extension.lower()}" if dot else ""
    return f"pending/{instance.uploaded_by_id}/{secrets.token_urlsafe(24)}{suffix}"


class PendingImage(models.Model):
    """An image chosen in the new-practice form whose practice does not exist yet (another
    field of the form was refused): kept, offered again with the form, attached when the
    practice is first saved (practices.services.pending_image_attach). Only its uploader sees
    it (the form's preview) and can attach it; those left behind are removed after
    PENDING_IMAGE_HOURS."""

    file = models.FileField(upload_to=_pending_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class PracticeTransition(HistoryRow):
    """One step of the review history: who moved the practice from which state to which."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=Practice.ReviewState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=Practice.ReviewState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["practice", "at", "id"]
        permissions = [("review_practice", "Can review, publish and unpublish practices")]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state} ({self.at:%Y-%m-%d})"


class SearchOutbox(models.Model):
    """One row per practice whose public shape (what search shows of it) may have changed.

    Written by this app's services (practices.outbox.outbox_record) in the transaction of the
    change, so it lives with the writes it records; `search` drains it (search.sync) and the
    table keeps the name it had when search owned it (see migration 0005).
    """

    practice_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "search_searchoutbox"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"practice {self.practice_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
