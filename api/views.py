"""The REST API, version 1. Every view reads through the apps' selectors and writes through
their services, exactly as the web pages do: who may see or do what is decided there, once.

Objects a user may not see answer 404 (as on the web), actions they may not take 403, and
actions the object's state does not allow 409. See api/errors.py for the error shape.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, cast

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from cities.models import City, CityIndicator, CityMembership
from core.permissions import is_broker, is_editor, is_member
from exchanges import selectors as exchange_selectors
from exchanges import services as exchange_services
from exchanges.models import Evaluation, Exchange, ExchangeEvent, ExchangeRequest, Match
from exchanges.workflow import available_steps
from practices import selectors as practice_selectors
from practices import services as practice_services
from practices.models import Challenge, Practice, Sdg, Topic
from practices.permissions import can_edit
from practices.workflow import REVIEW, TRANSITIONS, available_transitions

from . import serializers as s
from . import tokens
from .limits import LoginRate
from .models import ApiToken

# -- documentation helpers -------------------------------------------------------------------

E = s.ErrorSerializer
ERR_400 = OpenApiResponse(E, description="Invalid input: see `errors`.")
ERR_401 = OpenApiResponse(E, description="Not signed in, or the token is not valid.")
ERR_403 = OpenApiResponse(E, description="Signed in, but not allowed to do this.")
ERR_404 = OpenApiResponse(E, description="Not found, or not visible to you.")
ERR_409 = OpenApiResponse(E, description="The object's state does not allow this now.")
ERR_413 = OpenApiResponse(E, description="The request body is too large.")
ERR_429 = OpenApiResponse(E, description="Too many requests: wait `Retry-After` seconds.")
READ_ERRORS = {404: ERR_404, 429: ERR_429}
LIST_ERRORS = {400: ERR_400, 404: ERR_404, 429: ERR_429}
WRITE_ERRORS = {
    400: ERR_400,
    401: ERR_401,
    403: ERR_403,
    404: ERR_404,
    409: ERR_409,
    413: ERR_413,
    429: ERR_429,
}


# Identifiers in paths are 1 to 18 digits (within PostgreSQL's bigint): anything else matches no
# route and answers the JSON 404 of api/urls.py, before any query.
ID_PATTERN = r"[0-9]{1,18}"


def _user(request: Request) -> User:
    return cast(User, request.user)


# -- taxonomy, cities, me --------------------------------------------------------------------


@extend_schema(
    operation_id="taxonomy",
    tags=["reference"],
    responses={200: s.TaxonomySerializer, 429: ERR_429},
    description="The challenges, UN Sustainable Development Goals and topics practices are "
    "tagged with, named in the request's language.",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def taxonomy(request: Request) -> Response:
    data = {
        "challenges": Challenge.objects.all(),
        "sdgs": Sdg.objects.all(),
        "topics": Topic.objects.all(),
    }
    return Response(s.TaxonomySerializer(data).data)


@extend_schema(
    operation_id="me",
    tags=["auth"],
    responses={200: s.MeSerializer, 401: ERR_401, 429: ERR_429},
    description="Who the request is authenticated as: cities and roles.",
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    user = _user(request)
    user.is_editor = is_editor(user)  # type: ignore[attr-defined]
    user.is_broker = is_broker(user)  # type: ignore[attr-defined]
    memberships = CityMembership.objects.filter(user=user).select_related("city__country")
    data = s.MeSerializer(user).data
    data["memberships"] = s.MembershipRefSerializer(memberships, many=True).data
    return Response(data)


class CityFilter(filters.FilterSet):
    q = filters.CharFilter(method="noop", help_text="Part of the name of the city or country.")
    region = filters.CharFilter(method="noop", help_text="UN M49 region or sub-region code.")
    members = filters.BooleanFilter(
        method="noop", help_text="Only active member cities (default true)."
    )

    class Meta:
        model = City
        fields: list[str] = []

    def noop(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # applied by the selector, see CityViewSet.get_queryset


@extend_schema_view(
    list=extend_schema(
        operation_id="cities_list",
        description="Member cities (or every city with members=false), by name.",
        responses={200: s.CitySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="cities_retrieve",
        responses={200: s.CityDetailSerializer, **READ_ERRORS},
    ),
)
class CityViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_class = CityFilter

    def get_queryset(self) -> QuerySet[City]:
        from cities.selectors import city_directory
        from practices.selectors import published_count

        params = self.request.query_params
        members = str(params.get("members", "true")).lower() not in ("false", "0", "no")
        cities = city_directory(
            query=str(params.get("q", ""))[:100],
            region_code=str(params.get("region", ""))[:3],
            members_only=members and self.action == "list",
        ).annotate(published_count=published_count())
        if self.action == "retrieve":
            cities = cities.prefetch_related(
                Prefetch("indicators", queryset=CityIndicator.objects.order_by("name", "-year"))
            )
        return cities

    def get_serializer_class(self) -> Any:
        return s.CityDetailSerializer if self.action == "retrieve" else s.CitySerializer

    @extend_schema(
        operation_id="cities_members",
        responses={200: s.MemberSerializer(many=True), 401: ERR_401, 403: ERR_403, **READ_ERRORS},
        description="Who works for the city, with their role. Secretariat staff only.",
    )
    @action(detail=True, permission_classes=[IsAuthenticated])
    def members(self, request: Request, slug: str) -> Response:
        city = get_object_or_404(City, slug=slug)
        user = _user(request)
        if not (is_editor(user) or is_broker(user) or user.is_staff):
            raise ApiPermissionDenied(_("Only secretariat staff see who works for a city."))
        members = (
            CityMembership.objects.filter(city=city).select_related("user").order_by("user__email")
        )
        page = self.paginate_queryset(members)
        return self.get_paginated_response(s.MemberSerializer(page, many=True).data)


# -- practices -------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(filters.ModelMultipleChoiceFilter):
    """Taxonomy terms by slug, repeatable."""


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: PostgreSQL refuses offsets beyond ±15:59, which
    Python (and ISO 8601 parsers) accept."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError as exc:
                raise ValidationError({self.field_name: [_("This date is out of range.")]}) from exc
        return super().filter(qs, value)


class StableOrdering(filters.OrderingFilter):
    """Orders by the chosen field, then by id, so that pages never repeat or skip a row."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordered = super().filter(qs, value)
        if value:
            last = "-id" if str(value[-1]).startswith("-") else "id"
            ordered = ordered.order_by(*ordered.query.order_by, last)
        return ordered


class PracticeFilter(filters.FilterSet):
    """Taxonomy filters select through the link tables (`pk IN (…)`), not a join: a join needs
    DISTINCT over every column, which cost 200 ms a page at 100,000 practices."""

    challenge = SlugsFilter(
        queryset=Challenge.objects.all(),
        to_field_name="slug",
        method="filter_through",
        help_text="Challenge slug; repeat for several (any of them).",
    )
    sdg = filters.ModelMultipleChoiceFilter(
        queryset=Sdg.objects.all(),
        method="filter_through",
        help_text="SDG number; repeatable.",
    )
    topic = SlugsFilter(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        method="filter_through",
        help_text="Topic slug; repeatable.",
    )
    city = filters.CharFilter(field_name="city__slug", help_text="City slug.")
    region = filters.CharFilter(method="filter_region", help_text="UN M49 (sub-)region code.")
    language = filters.ChoiceFilter(
        choices=s.LANGUAGES, help_text="Original language of the practice."
    )
    review_state = filters.MultipleChoiceFilter(choices=Practice.ReviewState.choices)
    status = filters.ChoiceFilter(choices=Practice.Status.choices)
    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date and time."
    )
    published_since = UtcDateTimeFilter(field_name="published_at", lookup_expr="gte")
    ordering = StableOrdering(
        fields=(
            ("updated_at", "updated"),
            ("published_at", "published"),
            ("submitted_at", "submitted"),
            ("adapted_count", "adapted"),
        ),
        help_text="Default -updated (most recently changed first). `submitted` gives an "
        "editor's review queue, oldest submission first.",
    )

    class Meta:
        model = Practice
        fields: list[str] = []

    THROUGH = {
        "challenge": (Practice.challenges.through, "challenge"),
        "sdg": (Practice.sdgs.through, "sdg"),
        "topic": (Practice.topics.through, "topic"),
    }

    def filter_through(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if not value:
            return queryset
        through, column = self.THROUGH[name]
        linked = through.objects.filter(**{f"{column}__in": value}).values("practice_id")
        return queryset.filter(pk__in=linked)

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(city__country__subregion__code=value)
            | Q(city__country__subregion__parent__code=value)
        )


TRANSITION_ACTIONS = {
    "submit": "submit",
    "withdraw": "withdraw",
    "publish": "publish",
    "request-changes": "request_changes",
    "unpublish": "unpublish",
    "archive": "archive",
    "restore": "restore",
}


def _transition_schema(name: str) -> Any:
    step = TRANSITIONS[name]
    who = REVIEW.who(step)
    return extend_schema(
        operation_id=f"practices_{name}",
        request=s.NoteSerializer,
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description=f"{step.label}: from {', '.join(sorted(step.sources))} to {step.target}, "
        f"by {who}." + (" A `note` is required." if step.note_required else ""),
        examples=[OpenApiExample("note", value={"note": "Thank you, published."})]
        if step.note_required
        else None,
    )


PRACTICE_EXAMPLE = OpenApiExample(
    "a new practice",
    request_only=True,
    value={
        "city": "barcelona",
        "language": "en",
        "title": "Superblocks",
        "summary": "Streets given back to people.",
        "sections": {"context": "Traffic took most public space.", "results": "Less noise."},
        "challenges": ["sustainability"],
        "sdgs": [11],
        "topics": [],
        "start_year": 2016,
    },
)


@extend_schema_view(
    list=extend_schema(
        operation_id="practices_list",
        description="Practices you may read (published and archived ones; drafts too for "
        "your own cities, and everything for editors), most recently changed first.",
        responses={200: s.PracticeSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="practices_retrieve",
        responses={200: s.PracticeDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        operation_id="practices_create",
        request=s.PracticeWriteSerializer,
        responses={201: s.PracticeDetailSerializer, **WRITE_ERRORS},
        examples=[PRACTICE_EXAMPLE],
        description="A new draft, by a member of `city`.",
    ),
    update=extend_schema(
        operation_id="practices_update",
        request=s.PracticeUpdateSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description="Replace the practice's original text and details. Send the `version` "
        "you edited (or If-Match): if someone saved since, 409 and nothing changes.",
    ),
    partial_update=extend_schema(
        operation_id="practices_partial_update",
        request=s.PracticeUpdateSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description="Change some fields; the others keep their values.",
    ),
)
class PracticeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = ID_PATTERN
    filterset_class = PracticeFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Practice]:
        return (
            practice_selectors.practice_visible_to(user=self.request.user)
            .select_related("city__country")
            .prefetch_related("translations", "challenges", "sdgs", "topics")
            # long free-text columns the list does not show stay out of the sort
            .defer("main_actors", "contacts", "awards", "links")
            .order_by("-updated_at", "-id")
        )

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return s.PracticeSerializer
        if self.action == "create":
            return s.PracticeWriteSerializer
        if self.action in ("update", "partial_update"):
            return s.PracticeUpdateSerializer
        return s.PracticeDetailSerializer

    def _detail(self, pk: int, *, status_code: int = 200) -> Response:
        user = self.request.user
        practice = practice_selectors.practice_get_visible(pk=pk, user=user)
        actions = [t.name for t in available_transitions(user, practice)]
        if can_edit(user, practice):
            actions.insert(0, "edit")
        context = {
            "actions": actions,
            "sees_history": is_editor(user) or is_member(user, practice.city_id),
        }
        data = s.PracticeDetailSerializer(practice, context=context).data
        response = Response(data, status=status_code)
        response["ETag"] = f'"{data["version"]}"'
        if status_code == 201:
            response["Location"] = f"/api/v1/practices/{practice.pk}/"
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._pk())

    def _pk(self) -> int:
        return int(self.kwargs["pk"])  # digits only: see ID_PATTERN

    @staticmethod
    def _data(values: dict[str, Any]) -> practice_services.PracticeData:
        sections = values.get("sections") or {}
        return practice_services.PracticeData(
            text=practice_services.PracticeText(
                title=values["title"], summary=values["summary"], sections=dict(sections)
            ),
            challenges=list(values.get("challenges", [])),
            sdgs=list(values.get("sdgs", [])),
            topics=list(values.get("topics", [])),
            partner_cities=list(values.get("partner_cities", [])),
            status=values.get("status") or Practice.Status.ONGOING,
            start_year=values.get("start_year"),
            end_year=values.get("end_year"),
            budget_band=values.get("budget_band", ""),
            main_actors=values.get("main_actors", ""),
            contacts=values.get("contacts", ""),
            links=list(values.get("links", [])),
            awards=values.get("awards", ""),
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.PracticeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        practice = practice_services.practice_create(
            by=_user(request),
            city=values["city"],
            language=values["language"],
            data=self._data(values),
        )
        return self._detail(practice.pk, status_code=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        practice = practice_selectors.practice_get_visible(pk=self._pk(), user=request.user)
        serializer = s.PracticeUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        if partial:
            current = practice_services.practice_data_from(practice)
            current["sections"] = {
                name: current.pop(name, "") for name in s.SECTION_NAMES if name in current
            }
            current["links"] = list(practice.links or [])
            sections = {**current["sections"], **(values.pop("sections", None) or {})}
            values = {**current, **values, "sections": sections}
        version = values.pop("version", None) or _if_match(request)
        practice_services.practice_update(
            practice=practice, by=_user(request), data=self._data(values), expected_version=version
        )
        return self._detail(practice.pk)

    def _transition(self, request: Request, name: str) -> Response:
        practice = practice_selectors.practice_get_visible(pk=self._pk(), user=request.user)
        body = s.NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        practice_services.practice_transition(
            practice=practice,
            by=_user(request),
            name=name,
            note=body.validated_data.get("note", ""),
        )
        return self._detail(practice.pk)

    @extend_schema(
        operation_id="practices_translation_set",
        request=s.TranslationWriteSerializer,
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description="Add or replace the practice's text in another language, saying whether "
        "it is machine-translated or checked by a person. By whoever may edit the practice, "
        "and by editors.",
    )
    @action(
        detail=True,
        methods=["put"],
        url_path="translations/(?P<language>en|fr|es)",
        permission_classes=[IsAuthenticated],
    )
    def translation(self, request: Request, pk: str, language: str) -> Response:
        practice = practice_selectors.practice_get_visible(pk=self._pk(), user=request.user)
        body = s.TranslationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        practice_services.practice_translation_set(
            practice=practice,
            by=_user(request),
            language=language,
            text=practice_services.PracticeText(
                title=values["title"],
                summary=values["summary"],
                sections=dict(values.get("sections") or {}),
            ),
            quality=values["quality"],
        )
        return self._detail(practice.pk)

    @extend_schema(
        operation_id="practices_translation_delete",
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description="Remove a translation (never the original text).",
    )
    @translation.mapping.delete
    def translation_delete(self, request: Request, pk: str, language: str) -> Response:
        practice = practice_selectors.practice_get_visible(pk=self._pk(), user=request.user)
        practice_services.practice_translation_delete(
            practice=practice, by=_user(request), language=language
        )
        return self._detail(practice.pk)

    @_transition_schema("submit")
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def submit(self, request: Request, pk: str) -> Response:
        return self._transition(request, "submit")

    @_transition_schema("withdraw")
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._transition(request, "withdraw")

    @_transition_schema("publish")
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def publish(self, request: Request, pk: str) -> Response:
        return self._transition(request, "publish")

    @_transition_schema("request_changes")
    @action(
        detail=True,
        methods=["post"],
        url_path="request-changes",
        permission_classes=[IsAuthenticated],
    )
    def request_changes(self, request: Request, pk: str) -> Response:
        return self._transition(request, "request_changes")

    @_transition_schema("unpublish")
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def unpublish(self, request: Request, pk: str) -> Response:
        return self._transition(request, "unpublish")

    @_transition_schema("archive")
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def archive(self, request: Request, pk: str) -> Response:
        return self._transition(request, "archive")

    @_transition_schema("restore")
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def restore(self, request: Request, pk: str) -> Response:
        return self._transition(request, "restore")


def _if_match(request: Request) -> str | None:
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    if raw.startswith("W/"):
        raw = raw[2:]
    return raw.strip('"') or None


# -- exchange requests and exchanges ---------------------------------------------------------


class ExchangeRequestFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=ExchangeRequest.State.choices)
    city = filters.CharFilter(field_name="city__slug", help_text="City slug.")
    challenge = filters.CharFilter(method="filter_challenge", help_text="Challenge slug.")

    class Meta:
        model = ExchangeRequest
        fields: list[str] = []

    def filter_challenge(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        through = ExchangeRequest.challenges.through
        linked = through.objects.filter(challenge__slug=value).values("exchangerequest_id")
        return queryset.filter(pk__in=linked)


def _request_for(request: Request, pk: str) -> ExchangeRequest:
    return (
        exchange_selectors.request_visible_to(user=request.user)
        .select_related("city__country", "broker")
        .prefetch_related("challenges", "topics")
        .get(pk=int(pk))
    )


@extend_schema_view(
    list=extend_schema(
        operation_id="exchange_requests_list",
        description="Requests you may see: your cities' own, those proposed to your cities, "
        "and every request for brokers. Oldest first.",
        responses={200: s.ExchangeRequestSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="exchange_requests_retrieve",
        responses={200: s.ExchangeRequestSerializer, 401: ERR_401, **READ_ERRORS},
    ),
    create=extend_schema(
        operation_id="exchange_requests_create",
        request=s.ExchangeRequestWriteSerializer,
        responses={201: s.ExchangeRequestSerializer, **WRITE_ERRORS},
        description="An official asks, for their city, for help with a challenge.",
        examples=[
            OpenApiExample(
                "a request",
                request_only=True,
                value={
                    "city": "dakar",
                    "challenges": ["sustainability"],
                    "need": "We want to cut traffic noise around schools in the centre.",
                    "languages": ["fr"],
                    "formats": ["study_visit"],
                },
            )
        ],
    ),
)
class ExchangeRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticated]
    serializer_class = s.ExchangeRequestSerializer
    filterset_class = ExchangeRequestFilter

    def get_queryset(self) -> QuerySet[ExchangeRequest]:
        return (
            exchange_selectors.request_visible_to(user=self.request.user)
            .select_related("city__country", "broker")
            .prefetch_related("challenges", "topics")
            .order_by("created_at", "pk")
        )

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return s.ExchangeRequestWriteSerializer
        return s.ExchangeRequestSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(s.ExchangeRequestSerializer(_request_for(request, kwargs["pk"])).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.ExchangeRequestWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        created = exchange_services.exchange_request_create(
            by=_user(request),
            city=values["city"],
            data=exchange_services.RequestData(
                challenges=list(values["challenges"]),
                need=values["need"],
                topics=list(values.get("topics", [])),
                formats=list(values.get("formats", [])),
                languages=list(values.get("languages", [])),
                window_start=values.get("window_start"),
                window_end=values.get("window_end"),
            ),
        )
        response = Response(
            s.ExchangeRequestSerializer(_request_for(request, str(created.pk))).data,
            status=status.HTTP_201_CREATED,
        )
        response["Location"] = f"/api/v1/exchange-requests/{created.pk}/"
        return response

    @extend_schema(
        operation_id="exchange_requests_take",
        request=None,
        responses={200: s.ExchangeRequestSerializer, **WRITE_ERRORS},
        description="A broker takes an open request (409 if another broker has it).",
    )
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        found = _request_for(request, pk)
        exchange_services.exchange_request_take(request=found, by=_user(request))
        return Response(s.ExchangeRequestSerializer(_request_for(request, pk)).data)

    @extend_schema(
        operation_id="exchange_requests_withdraw",
        request=s.NoteSerializer,
        responses={200: s.ExchangeRequestSerializer, **WRITE_ERRORS},
        description="An official of the requesting city withdraws it; open exchanges are "
        "cancelled.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        found = _request_for(request, pk)
        body = s.NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exchange_services.exchange_request_withdraw(
            request=found, by=_user(request), note=body.validated_data.get("note", "")
        )
        return Response(s.ExchangeRequestSerializer(_request_for(request, pk)).data)

    def _matches(self, request: Request, found: ExchangeRequest) -> Response:
        matches = exchange_selectors.matches_visible_to(
            request=found, user=request.user
        ).prefetch_related(
            Prefetch(
                "practices",
                queryset=Practice.objects.select_related("city__country").prefetch_related(
                    "translations", "challenges", "sdgs", "topics"
                ),
            ),
            "exchange",
        )
        page = self.paginate_queryset(matches)
        return self.get_paginated_response(s.MatchSerializer(page, many=True).data)

    @extend_schema(
        operation_id="exchange_requests_matches",
        responses={200: s.MatchSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
        description="The ranked peer cities, best first, each with its score, the components "
        "of the score, the reasons in words and the practices that answer the need. The "
        "requesting city and brokers see all; a peer city only its own proposal.",
    )
    @action(detail=True, methods=["get"])
    def matches(self, request: Request, pk: str) -> Response:
        return self._matches(request, _request_for(request, pk))

    @extend_schema(
        operation_id="exchange_requests_rank",
        request=None,
        responses={200: s.MatchSerializer(many=True), **WRITE_ERRORS},
        description="A broker (re)computes the ranked peers; peers already proposed keep "
        "their place.",
    )
    @action(detail=True, methods=["post"])
    def rank(self, request: Request, pk: str) -> Response:
        found = _request_for(request, pk)
        exchange_services.exchange_request_rank(request=found, by=_user(request))
        return self._matches(request, found)

    @extend_schema(
        operation_id="exchange_requests_propose",
        request=None,
        responses={201: s.ExchangeDetailSerializer, **WRITE_ERRORS},
        description="A broker proposes a ranked peer: it becomes an exchange, state proposed, "
        "which the peer city accepts or declines.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"matches/(?P<match_id>[0-9]{1,18})/propose",
    )
    def propose(self, request: Request, pk: str, match_id: str) -> Response:
        found = _request_for(request, pk)
        match = get_object_or_404(Match, pk=int(match_id), request=found)
        exchange = exchange_services.exchange_request_propose(
            request=found, by=_user(request), match=match
        )
        return _exchange_detail(request, exchange.pk, status_code=201)


def _exchange_queryset(user: Any) -> QuerySet[Exchange]:
    return exchange_selectors.exchange_visible_to(user=user).select_related(
        "match__request__city__country", "match__peer_city__country"
    )


def _exchange_detail(request: Request, pk: int, *, status_code: int = 200) -> Response:
    exchange = (
        _exchange_queryset(request.user)
        .prefetch_related(
            Prefetch("events", queryset=ExchangeEvent.objects.select_related("by")),
            Prefetch("evaluations", queryset=Evaluation.objects.select_related("city__country")),
        )
        .get(pk=pk)
    )
    actions = [step.name for step in available_steps(request.user, exchange)]
    data = s.ExchangeDetailSerializer(exchange, context={"actions": actions}).data
    return Response(data, status=status_code)


def _step_schema(name: str) -> Any:
    from exchanges.workflow import STEPS

    step = STEPS[name]
    return extend_schema(
        operation_id=f"exchanges_{name}",
        request=s.ExchangeStepSerializer,
        responses={200: s.ExchangeDetailSerializer, **WRITE_ERRORS},
        description=f"{step.label}: from {', '.join(sorted(step.sources))} to {step.target}, "
        f"by {' or '.join(sorted(step.actors))}."
        + (" A `note` is required." if step.note_required else "")
        + (" `starts_on` is required." if name == "schedule" else ""),
    )


@extend_schema_view(
    list=extend_schema(
        operation_id="exchanges_list",
        description="Exchanges of your cities (every exchange for brokers), newest first.",
        responses={200: s.ExchangeSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="exchanges_retrieve",
        responses={200: s.ExchangeDetailSerializer, 401: ERR_401, **READ_ERRORS},
    ),
)
class ExchangeViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticated]
    serializer_class = s.ExchangeSerializer
    filterset_fields = ["state"]

    def get_queryset(self) -> QuerySet[Exchange]:
        return _exchange_queryset(self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self) -> Any:
        return s.ExchangeDetailSerializer if self.action == "retrieve" else s.ExchangeSerializer

    def _get(self, pk: str) -> Exchange:
        return _exchange_queryset(self.request.user).get(pk=int(pk))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _exchange_detail(request, self._get(kwargs["pk"]).pk)

    def _step(self, request: Request, pk: str, name: str) -> Response:
        exchange = self._get(pk)
        body = s.ExchangeStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        exchange_services.exchange_step(
            exchange=exchange,
            by=_user(request),
            name=name,
            note=values.get("note", ""),
            starts_on=values.get("starts_on"),
            ends_on=values.get("ends_on"),
        )
        return _exchange_detail(request, exchange.pk)

    @_step_schema("accept")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, "accept")

    @_step_schema("decline")
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, "decline")

    @_step_schema("schedule")
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, "schedule")

    @_step_schema("start")
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, "start")

    @_step_schema("complete")
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, "complete")

    @_step_schema("cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, "cancel")

    @extend_schema(
        operation_id="exchanges_evaluate",
        request=s.EvaluationWriteSerializer,
        responses={201: s.ExchangeDetailSerializer, **WRITE_ERRORS},
        description="A member of one of the two cities records its city's evaluation of a "
        "completed exchange; adopting or adapting names the peer's practice.",
    )
    @action(detail=True, methods=["post"])
    def evaluations(self, request: Request, pk: str) -> Response:
        exchange = self._get(pk)
        body = s.EvaluationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        exchange_services.exchange_evaluate(
            exchange=exchange,
            by=_user(request),
            city=values["city"],
            outcome=values["outcome"],
            practice=values.get("practice"),
            helped=values.get("helped", ""),
            hindered=values.get("hindered", ""),
        )
        return _exchange_detail(request, exchange.pk, status_code=201)


# -- tokens ----------------------------------------------------------------------------------


@extend_schema(
    operation_id="auth_token",
    tags=["auth"],
    request=s.TokenLoginSerializer,
    responses={201: s.NewTokenSerializer, 400: ERR_400, 413: ERR_413, 429: ERR_429},
    auth=[],
    description="Exchange an e-mail address and password for a new personal token. The "
    "answer is the same for an unknown address and a wrong password. Limited to a few "
    "attempts a minute per client.",
    examples=[
        OpenApiExample(
            "sign in",
            request_only=True,
            value={"email": "ana@example.org", "password": "…", "name": "city open-data sync"},
        )
    ],
)
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([LoginRate])
def token_login(request: Request) -> Response:
    body = s.TokenLoginSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    values = body.validated_data
    user = authenticate(request._request, email=values["email"], password=values["password"])
    if user is None:
        raise ValidationError(_("The e-mail address or the password is not right."))
    token, key = tokens.token_create(
        user=cast(User, user), name=values["name"], expires_in_days=values.get("expires_in_days")
    )
    return Response({**s.TokenSerializer(token).data, "token": key}, status=201)


@extend_schema_view(
    list=extend_schema(
        operation_id="auth_tokens_list",
        tags=["auth"],
        responses={200: s.TokenSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
        description="Your tokens that still work (never their secret).",
    ),
    create=extend_schema(
        operation_id="auth_tokens_create",
        tags=["auth"],
        request=s.TokenCreateSerializer,
        responses={201: s.NewTokenSerializer, **WRITE_ERRORS},
        description="A new token for yourself; its secret is in this answer only.",
    ),
    destroy=extend_schema(
        operation_id="auth_tokens_revoke",
        tags=["auth"],
        responses={204: None, 401: ERR_401, **READ_ERRORS},
        description="Revoke one of your tokens: it stops working at once.",
    ),
)
class TokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticated]
    serializer_class = s.TokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return tokens.token_list(user=_user(self.request))

    def get_serializer_class(self) -> Any:
        return s.TokenCreateSerializer if self.action == "create" else s.TokenSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.TokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = tokens.token_create(
            user=_user(request),
            name=body.validated_data["name"],
            expires_in_days=body.validated_data.get("expires_in_days"),
        )
        return Response({**s.TokenSerializer(token).data, "token": key}, status=201)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens.token_revoke(user=_user(request), token_id=int(kwargs["pk"]))
        return Response(status=204)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request: Request) -> Response:
    from .errors import error_body

    return Response(error_body("not_found", _("There is no such address in the API.")), status=404)


# -- health ----------------------------------------------------------------------------------


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Response({"status": "ok", "database": connection.vendor})
