"""/api/v1/exchange-requests/ and /api/v1/exchanges/: requests, ranking and proposing peers,
and the exchange lifecycle, one endpoint per row of exchanges.workflow.STEPS."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from exchanges import selectors as exchange_selectors
from exchanges import services as exchange_services
from exchanges.explanations import explanations_render
from exchanges.models import Evaluation, Exchange, ExchangeEvent, ExchangeRequest, Match
from exchanges.workflow import STEPS, available_steps
from practices.models import Practice

from ..common import (
    ERR_401,
    ID_PATTERN,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    NoteSerializer,
    add_action,
    user_of,
)
from . import serializers as s

# -- exchange requests -----------------------------------------------------------------------


class ExchangeRequestFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=ExchangeRequest.State.choices)
    city = filters.CharFilter(field_name="city__slug", help_text="City slug.")
    challenge = filters.CharFilter(method="filter_challenge", help_text="Challenge slug.")

    class Meta:
        model = ExchangeRequest
        fields: list[str] = []

    def filter_challenge(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return exchange_selectors.request_with_challenge(requests=queryset, challenge=value)


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
        description="An official asks, for their city, for help with a challenge. A request "
        "may start from a published practice (`source_practice`, its id): its city then ranks "
        "first among the peers. An unknown id, a practice you may not see or one that is not "
        "published gives 400 with the reason under `errors.source_practice`.",
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
            ),
            OpenApiExample(
                "a request started from a practice",
                request_only=True,
                value={
                    "city": "nairobi",
                    "challenges": ["sustainability"],
                    "need": "How İzmir built sponge neighbourhoods (rain gardens, permeable "
                    "paving), and how they financed and maintained them.",
                    "source_practice": 1234,
                    "languages": ["en"],
                    "formats": ["study_visit"],
                },
            ),
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
        body = s.ExchangeRequestWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        values = body.validated_data
        created = exchange_services.exchange_request_create(
            by=user_of(request),
            city=values["city"],
            data=exchange_services.RequestData(
                challenges=list(values["challenges"]),
                need=values["need"],
                topics=list(values.get("topics", [])),
                formats=list(values.get("formats", [])),
                languages=list(values.get("languages", [])),
                window_start=values.get("window_start"),
                window_end=values.get("window_end"),
                source_practice=values.get("source_practice"),
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
        exchange_services.exchange_request_take(request=found, by=user_of(request))
        return Response(s.ExchangeRequestSerializer(_request_for(request, pk)).data)

    @extend_schema(
        operation_id="exchange_requests_withdraw",
        request=NoteSerializer,
        responses={200: s.ExchangeRequestSerializer, **WRITE_ERRORS},
        description="An official of the requesting city withdraws it; open exchanges are "
        "cancelled.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        found = _request_for(request, pk)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exchange_services.exchange_request_withdraw(
            request=found, by=user_of(request), note=body.validated_data.get("note", "")
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
        page = list(self.paginate_queryset(matches) or [])
        rendered = explanations_render([m.explanation for m in page])
        context = {"explanations": dict(zip([m.pk for m in page], rendered, strict=True))}
        return self.get_paginated_response(s.MatchSerializer(page, many=True, context=context).data)

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
        exchange_services.exchange_request_rank(request=found, by=user_of(request))
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
            request=found, by=user_of(request), match=match
        )
        return _exchange_detail(request, exchange.pk, status_code=201)


# -- exchanges -------------------------------------------------------------------------------


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
            by=user_of(request),
            name=name,
            note=values.get("note", ""),
            starts_on=values.get("starts_on"),
            ends_on=values.get("ends_on"),
        )
        return _exchange_detail(request, exchange.pk)

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
            by=user_of(request),
            city=values["city"],
            outcome=values["outcome"],
            practice=values.get("practice"),
            helped=values.get("helped", ""),
            hindered=values.get("hindered", ""),
        )
        return _exchange_detail(request, exchange.pk, status_code=201)


# -- the exchange steps, one endpoint per row of the table -----------------------------------


def _step_schema(name: str) -> Any:
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


def _step_endpoint(name: str) -> Any:
    """POST /api/v1/exchanges/{id}/<name, with dashes>/ takes the step `name`."""

    def endpoint(self: ExchangeViewSet, request: Request, pk: str) -> Response:
        return self._step(request, pk, name)

    endpoint.__name__ = endpoint.__qualname__ = name
    routed = action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(endpoint)
    return _step_schema(name)(routed)


for _name in STEPS:
    add_action(ExchangeViewSet, _name, _step_endpoint(_name))
