"""What the API reads and writes. Output serializers shape stored rows; input serializers only
check types and existence, then hand plain values to the services, which hold every rule.

Conventions: taxonomy terms, cities and languages are referred to by their slugs or codes
(stable across installations); labels come in the request's language (Accept-Language).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import User
from cities.models import City, CityIndicator, CityMembership
from exchanges.models import (
    Evaluation,
    Exchange,
    ExchangeEvent,
    ExchangeFormat,
    ExchangeRequest,
    Match,
)
from practices.models import (
    LANGUAGES,
    SECTIONS,
    Challenge,
    Practice,
    PracticeAttachment,
    PracticeTransition,
    PracticeTranslation,
    Sdg,
    Topic,
)
from practices.services import practice_version

from .models import ApiToken

SECTION_NAMES = [name for name, _label in SECTIONS]
LANGUAGE_CODES = [code for code, _name in LANGUAGES]


def _language() -> str:
    return (translation.get_language() or "en")[:2]


# -- taxonomy and cities ---------------------------------------------------------------------


class TermSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(source="label")


class SdgSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField(source="label")


class TaxonomySerializer(serializers.Serializer):
    challenges = TermSerializer(many=True)
    sdgs = SdgSerializer(many=True)
    topics = TermSerializer(many=True)


class CityRefSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2")

    class Meta:
        model = City
        fields = ["slug", "name", "country"]


class CitySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.iso2")
    country_name = serializers.CharField(source="country.label")
    region = serializers.SerializerMethodField()
    size_band = serializers.CharField()
    published_practices = serializers.IntegerField(source="published_count", default=None)
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = City
        fields = [
            "slug",
            "name",
            "country",
            "country_name",
            "region",
            "population",
            "size_band",
            "latitude",
            "longitude",
            "member_status",
            "member_since",
            "languages",
            "open_to_exchanges",
            "published_practices",
            "url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_region(self, city: City) -> str | None:
        sub = city.country.subregion
        return sub.parent.code if sub and sub.parent else None


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = CityIndicator
        fields = ["name", "value", "unit", "year", "source"]


class CityDetailSerializer(CitySerializer):
    description = serializers.CharField()
    indicators = IndicatorSerializer(many=True)

    class Meta(CitySerializer.Meta):
        fields = [*CitySerializer.Meta.fields, "description", "indicators"]


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = CityMembership
        fields = ["name", "email", "role", "created_at"]


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "name"]


class MembershipRefSerializer(serializers.ModelSerializer):
    city = CityRefSerializer()

    class Meta:
        model = CityMembership
        fields = ["city", "role"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipRefSerializer(many=True)
    is_editor = serializers.BooleanField()
    is_broker = serializers.BooleanField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "preferred_language",
            "memberships",
            "is_editor",
            "is_broker",
        ]


# -- practices -------------------------------------------------------------------------------


class SectionsSerializer(serializers.Serializer):
    # (a declared field named `context` is fine: DRF moves declared fields off the class)
    context = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=20_000
    )
    objectives = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    implementation = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    results = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    lessons_learned = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    transferability = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


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
        return practice.text_in(_language())

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

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, attachment: PracticeAttachment) -> str:
        return attachment.file.url


class TranslationWriteSerializer(serializers.Serializer):
    """The practice's text in another language than its original."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300)
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


SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,220}$")
MAX_ID = 2**63 - 1


class SlugField(serializers.SlugRelatedField):
    """A related object by slug. Anything that cannot be a slug (control characters, NUL,
    200 kB of text) is "does not exist" without reaching the database."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not SLUG.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data[:100])
        return super().to_internal_value(data)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by number; numbers beyond the database's range do not exist."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _slug_field(
    queryset: Any, missing: StrOrPromise, **kwargs: Any
) -> serializers.SlugRelatedField:
    """`missing` names the unknown value, with {value} where it goes."""
    return SlugField(
        queryset=queryset,
        slug_field="slug",
        error_messages={
            "does_not_exist": missing,
            "invalid": _("Give a slug (letters, digits and hyphens) as text."),
        },
        **kwargs,
    )


def _at_least_one_challenge(value: list[Any]) -> list[Any]:
    # Also checked by the services; here so that it is reported with the other field errors.
    if not value:
        raise serializers.ValidationError(_("Choose at least one challenge."))
    return value


class PracticeWriteSerializer(serializers.Serializer):
    """A practice as a city member writes it. Text is in `language`, the original language."""

    city = _slug_field(City.objects.all(), _("There is no city “{value}”."))
    language = serializers.ChoiceField(choices=LANGUAGES)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300)
    sections = SectionsSerializer(required=False)
    challenges = _slug_field(
        Challenge.objects.all(), _("There is no challenge “{value}”."), many=True
    )
    sdgs = IdField(
        queryset=Sdg.objects.all(),
        many=True,
        required=False,
        error_messages={"does_not_exist": _("There is no SDG number {pk_value}.")},
    )
    topics = _slug_field(
        Topic.objects.all(), _("There is no topic “{value}”."), many=True, required=False
    )
    partner_cities = _slug_field(
        City.objects.all(), _("There is no city “{value}”."), many=True, required=False
    )
    status = serializers.ChoiceField(choices=Practice.Status.choices, required=False)
    start_year = serializers.IntegerField(required=False, allow_null=True)
    end_year = serializers.IntegerField(required=False, allow_null=True)
    budget_band = serializers.ChoiceField(
        choices=Practice.BudgetBand.choices, required=False, allow_blank=True
    )
    main_actors = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    contacts = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    links = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, max_length=20
    )
    awards = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.CharField(
        required=False,
        write_only=True,
        help_text="On update: the `version` you edited. A newer save answers 409 (also "
        "accepted as an If-Match header).",
    )

    def validate_challenges(self, value: list[Any]) -> list[Any]:
        return _at_least_one_challenge(value)


class PracticeUpdateSerializer(PracticeWriteSerializer):
    """On update the city and the original language stay as they are."""

    city = None  # type: ignore[assignment]
    language = None  # type: ignore[assignment]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="Required for some steps."
    )


# -- exchanges -------------------------------------------------------------------------------


class ExchangeRequestSerializer(serializers.ModelSerializer):
    city = CityRefSerializer()
    challenges: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    topics: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    broker = UserRefSerializer(allow_null=True)

    class Meta:
        model = ExchangeRequest
        fields = [
            "id",
            "city",
            "state",
            "challenges",
            "topics",
            "need",
            "formats",
            "languages",
            "window_start",
            "window_end",
            "broker",
            "created_at",
            "updated_at",
        ]


class ExchangeRequestWriteSerializer(serializers.Serializer):
    city = _slug_field(City.objects.all(), _("There is no city “{value}”."))
    challenges = _slug_field(
        Challenge.objects.all(), _("There is no challenge “{value}”."), many=True
    )
    need = serializers.CharField(max_length=5000)
    topics = _slug_field(
        Topic.objects.all(), _("There is no topic “{value}”."), many=True, required=False
    )
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=ExchangeFormat.choices), required=False
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGES), required=False
    )
    window_start = serializers.DateField(required=False, allow_null=True)
    window_end = serializers.DateField(required=False, allow_null=True)

    def validate_challenges(self, value: list[Any]) -> list[Any]:
        return _at_least_one_challenge(value)


class MatchSerializer(serializers.ModelSerializer):
    peer_city = CityRefSerializer()
    practices = PracticeSerializer(many=True)
    components = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    exchange = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id",
            "peer_city",
            "score",
            "components",
            "explanation",
            "practices",
            "status",
            "exchange",
            "response",
            "proposed_at",
            "responded_at",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.FloatField()))
    def get_components(self, match: Match) -> dict[str, float]:
        return dict(match.explanation.get("components", {}))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_explanation(self, match: Match) -> list[str]:
        return list(match.explanation.get("sentences", []))

    @extend_schema_field(OpenApiTypes.INT)
    def get_exchange(self, match: Match) -> int | None:
        exchange = getattr(match, "exchange", None)
        return exchange.pk if exchange else None


class ExchangeEventSerializer(serializers.ModelSerializer):
    by = UserRefSerializer(allow_null=True)

    class Meta:
        model = ExchangeEvent
        fields = ["from_state", "to_state", "by", "at", "note"]


class EvaluationSerializer(serializers.ModelSerializer):
    city = CityRefSerializer()

    class Meta:
        model = Evaluation
        fields = ["city", "outcome", "practice", "helped", "hindered", "at"]


class ExchangeSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="match.request_id")
    requesting_city = CityRefSerializer(source="match.request.city")
    peer_city = CityRefSerializer(source="match.peer_city")
    response = serializers.CharField(source="match.response")

    class Meta:
        model = Exchange
        fields = [
            "id",
            "request",
            "requesting_city",
            "peer_city",
            "state",
            "format",
            "starts_on",
            "ends_on",
            "response",
            "created_at",
            "updated_at",
        ]


class ExchangeDetailSerializer(ExchangeSerializer):
    events = ExchangeEventSerializer(many=True)
    evaluations = EvaluationSerializer(many=True)
    actions = serializers.SerializerMethodField()

    class Meta(ExchangeSerializer.Meta):
        fields = [*ExchangeSerializer.Meta.fields, "events", "evaluations", "actions"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, exchange: Exchange) -> list[str]:
        return list(self.context.get("actions", []))


class ExchangeStepSerializer(NoteSerializer):
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class EvaluationWriteSerializer(serializers.Serializer):
    city = _slug_field(City.objects.all(), _("There is no city “{value}”."))
    outcome = serializers.ChoiceField(choices=Evaluation.Outcome.choices)
    practice = IdField(queryset=Practice.objects.all(), required=False, allow_null=True)
    helped = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    hindered = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# -- tokens ----------------------------------------------------------------------------------


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The secret: shown this once, never again.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(required=False, allow_null=True)


class TokenLoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=1000, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, default="API client")
    expires_in_days = serializers.IntegerField(required=False, allow_null=True)


# -- errors (documentation only) -------------------------------------------------------------


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "invalid input",
            value={
                "code": "invalid",
                "detail": "Some fields are not valid; see “errors”.",
                "errors": {"challenges": ["Choose at least one challenge."]},
            },
            response_only=True,
            status_codes=["400"],
        ),
        OpenApiExample(
            "a step the state does not allow",
            value={
                "code": "conflict",
                "detail": "This practice is Draft: it cannot be moved this way.",
                "errors": {},
            },
            response_only=True,
            status_codes=["409"],
        ),
        OpenApiExample(
            "too many requests",
            value={
                "code": "throttled",
                "detail": "Too many requests: try again in 42 seconds.",
                "errors": {},
            },
            response_only=True,
            status_codes=["429"],
        ),
    ]
)
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, conflict…")
    detail = serializers.CharField(help_text="A sentence for a person, in the request language.")
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name → messages; empty when no particular field is at fault.",
    )
