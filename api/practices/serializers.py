"""What the API reads and writes about practices. Output serializers shape stored rows; input
serializers only check types, sizes and existence, then hand plain values to
practices.services, which holds every rule. Text limits are the services' own (TEXT_LIMITS…),
so the web form, the API and the services refuse the same texts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cities.models import City
from practices.models import (
    LANGUAGES,
    Challenge,
    Practice,
    PracticeAttachment,
    PracticeTransition,
    PracticeTranslation,
    Sdg,
    Topic,
)
from practices.services import (
    DETAIL_LIMIT,
    MAX_LINKS,
    SECTION_NAMES,
    TEXT_LIMITS,
    practice_version,
)

from ..cities.serializers import CityRefSerializer
from ..common import (
    IdField,
    UserRefSerializer,
    at_least_one_challenge,
    request_language,
    slug_field,
)


class SectionsSerializer(serializers.Serializer):
    # (a declared field named `context` is fine: DRF moves declared fields off the class)
    context = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=TEXT_LIMITS["context"]
    )
    objectives = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMITS["objectives"]
    )
    implementation = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMITS["implementation"]
    )
    results = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMITS["results"]
    )
    lessons_learned = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMITS["lessons_learned"]
    )
    transferability = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMITS["transferability"]
    )


class TextSerializer(serializers.ModelSerializer):
    """A practice's text in one language (Markdown sections)."""

    language = serializers.CharField(source="language_code")
    sections = serializers.SerializerMethodField()

    class Meta:
        model = PracticeTranslation
        fields = ["language", "quality", "title", "summary", "sections"]

    @extend_schema_field(SectionsSerializer)
    def get_sections(self, row: PracticeTranslation) -> dict[str, str]:
        return {name: getattr(row, name) for name in SECTION_NAMES}


class PracticeSerializer(serializers.ModelSerializer):
    """A practice in a list: its text in the reader's language (else the original)."""

    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    text_language = serializers.SerializerMethodField()
    original_language = serializers.CharField(source="language")
    city = CityRefSerializer()
    challenges: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    sdgs: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    topics: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Practice
        fields = [
            "id",
            "title",
            "summary",
            "text_language",
            "original_language",
            "city",
            "challenges",
            "sdgs",
            "topics",
            "status",
            "start_year",
            "end_year",
            "review_state",
            "adapted_count",
            "published_at",
            "updated_at",
            "url",
        ]

    def _text(self, practice: Practice) -> PracticeTranslation | None:
        return practice.text_in(request_language())

    @extend_schema_field(OpenApiTypes.STR)
    def get_title(self, practice: Practice) -> str:
        text = self._text(practice)
        return text.title if text else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_summary(self, practice: Practice) -> str:
        text = self._text(practice)
        return text.summary if text else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_text_language(self, practice: Practice) -> str:
        text = self._text(practice)
        return text.language_code if text else practice.language


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = PracticeAttachment
        fields = ["id", "kind", "title", "content_type", "size", "url", "uploaded_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: PracticeAttachment) -> str:
        # The file through the endpoint that applies the practice's visibility: a draft's
        # file needs the same token as the draft.
        url = f"/api/v1/practices/{attachment.practice_id}/attachments/{attachment.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class TranslationWriteSerializer(serializers.Serializer):
    """The practice's text in another language than its original."""

    title = serializers.CharField(max_length=TEXT_LIMITS["title"])
    summary = serializers.CharField(max_length=TEXT_LIMITS["summary"])
    sections = SectionsSerializer(required=False)
    quality = serializers.ChoiceField(
        choices=[
            (PracticeTranslation.Quality.MACHINE, "machine-translated"),
            (PracticeTranslation.Quality.HUMAN_CHECKED, "checked by a person"),
        ]
    )


class TransitionSerializer(serializers.ModelSerializer):
    by = UserRefSerializer(allow_null=True)

    class Meta:
        model = PracticeTransition
        fields = ["from_state", "to_state", "by", "at", "note"]


class PracticeDetailSerializer(PracticeSerializer):
    """A practice with every text, its details, its history and what the reader may do."""

    texts = TextSerializer(many=True, source="translations")
    partner_cities = CityRefSerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    history = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()

    class Meta(PracticeSerializer.Meta):
        fields = [
            *PracticeSerializer.Meta.fields,
            "texts",
            "partner_cities",
            "attachments",
            "budget_band",
            "main_actors",
            "contacts",
            "links",
            "awards",
            "submitted_at",
            "created_at",
            "history",
            "actions",
            "version",
        ]

    @extend_schema_field(TransitionSerializer(many=True))
    def get_history(self, practice: Practice) -> list[dict[str, Any]]:
        # The review history is the city's and the editors' business (as on the web page).
        if not self.context.get("sees_history"):
            return []
        return TransitionSerializer(practice.transitions.all(), many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, practice: Practice) -> list[str]:
        return list(self.context.get("actions", []))

    @extend_schema_field(OpenApiTypes.STR)
    def get_version(self, practice: Practice) -> str:
        return practice_version(practice)


class PracticeWriteSerializer(serializers.Serializer):
    """A practice as a city member writes it. Text is in `language`, the original language."""

    city = slug_field(City.objects.all(), _("There is no city “{value}”."))
    language = serializers.ChoiceField(choices=LANGUAGES)
    title = serializers.CharField(max_length=TEXT_LIMITS["title"])
    summary = serializers.CharField(max_length=TEXT_LIMITS["summary"])
    sections = SectionsSerializer(required=False)
    challenges = slug_field(
        Challenge.objects.all(), _("There is no challenge “{value}”."), many=True
    )
    sdgs = IdField(
        queryset=Sdg.objects.all(),
        many=True,
        required=False,
        error_messages={"does_not_exist": _("There is no SDG number {pk_value}.")},
    )
    topics = slug_field(
        Topic.objects.all(), _("There is no topic “{value}”."), many=True, required=False
    )
    partner_cities = slug_field(
        City.objects.all(), _("There is no city “{value}”."), many=True, required=False
    )
    status = serializers.ChoiceField(choices=Practice.Status.choices, required=False)
    start_year = serializers.IntegerField(required=False, allow_null=True)
    end_year = serializers.IntegerField(required=False, allow_null=True)
    budget_band = serializers.ChoiceField(
        choices=Practice.BudgetBand.choices, required=False, allow_blank=True
    )
    main_actors = serializers.CharField(required=False, allow_blank=True, max_length=DETAIL_LIMIT)
    contacts = serializers.CharField(required=False, allow_blank=True, max_length=DETAIL_LIMIT)
    links = serializers.ListField(
        child=serializers.CharField(max_length=DETAIL_LIMIT), required=False, max_length=MAX_LINKS
    )
    awards = serializers.CharField(required=False, allow_blank=True, max_length=DETAIL_LIMIT)
    version = serializers.CharField(
        required=False,
        write_only=True,
        help_text="On update: the `version` you edited. A newer save answers 409 (also "
        "accepted as an If-Match header).",
    )

    def validate_challenges(self, value: list[Any]) -> list[Any]:
        return at_least_one_challenge(value)


class PracticeUpdateSerializer(PracticeWriteSerializer):
    """On update the city and the original language stay as they are."""

    city = None  # type: ignore[assignment]
    language = None  # type: ignore[assignment]
