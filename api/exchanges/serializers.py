"""What the API reads and writes about exchange requests, their matches and exchanges. Input
serializers only check types, sizes and existence; exchanges.services holds every rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cities.models import City
from exchanges.explanations import explanation_sentences
from exchanges.models import (
    Evaluation,
    Exchange,
    ExchangeEvent,
    ExchangeFormat,
    ExchangeRequest,
    Match,
)
from exchanges.services import TEXT_LIMIT
from practices.models import LANGUAGES, Challenge, Practice, Topic
from practices.selectors import practice_visible_to

from ..cities.serializers import CityRefSerializer
from ..common import (
    IdField,
    NoteSerializer,
    UserRefSerializer,
    at_least_one_challenge,
    slug_field,
)
from ..practices.serializers import PracticeSerializer

SOURCE_PRACTICE_HELP = _(
    "The id of the published practice the request starts from (as “Ask for an exchange” on "
    "a practice page does): its city is ranked first among the peers, unless it is the "
    "requesting city. Null when the request did not start from a practice."
)


@extend_schema_field(OpenApiTypes.INT)
class VisiblePracticeField(IdField):
    """A practice by id among those the requesting user may see (practices.selectors); one
    they may not see does not exist, as everywhere in the API. Whether it is published is the
    service's rule (exchanges.services.RequestData), reported on the same field."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        user = request.user if request is not None else AnonymousUser()
        return practice_visible_to(user=user)


class ExchangeRequestSerializer(serializers.ModelSerializer):
    city = CityRefSerializer()
    source_practice: Any = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=SOURCE_PRACTICE_HELP
    )
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
            "source_practice",
            "formats",
            "languages",
            "window_start",
            "window_end",
            "broker",
            "created_at",
            "updated_at",
        ]


class ExchangeRequestWriteSerializer(serializers.Serializer):
    city = slug_field(City.objects.all(), _("There is no city “{value}”."))
    challenges = slug_field(
        Challenge.objects.all(), _("There is no challenge “{value}”."), many=True
    )
    need = serializers.CharField(max_length=TEXT_LIMIT)
    topics = slug_field(
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
    source_practice = VisiblePracticeField(
        required=False,
        allow_null=True,
        help_text=SOURCE_PRACTICE_HELP,
        error_messages={
            "does_not_exist": _("There is no practice {pk_value}."),
            "incorrect_type": _("Give the id of a practice, a number (not {data_type})."),
        },
    )

    def validate_challenges(self, value: list[Any]) -> list[Any]:
        return at_least_one_challenge(value)


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
        """The reasons as sentences in the request's language (Accept-Language), practice
        titles included; rendered for the whole page at once when the view gave them."""
        rendered = self.context.get("explanations", {})
        if match.pk in rendered:
            return list(rendered[match.pk])
        return explanation_sentences(match.explanation)

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
    city = slug_field(City.objects.all(), _("There is no city “{value}”."))
    outcome = serializers.ChoiceField(choices=Evaluation.Outcome.choices)
    practice = IdField(queryset=Practice.objects.all(), required=False, allow_null=True)
    helped = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    hindered = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
