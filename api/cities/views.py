"""/api/v1/cities/, /api/v1/taxonomy/ and /api/v1/me/."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from cities.models import City, CityIndicator, CityMembership
from cities.selectors import city_directory
from core.permissions import is_broker, is_editor
from practices.selectors import published_count
from practices.selectors import taxonomy as taxonomy_terms

from ..common import ERR_401, ERR_403, ERR_429, LIST_ERRORS, READ_ERRORS, user_of
from . import serializers as s


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
    return Response(s.TaxonomySerializer(taxonomy_terms()).data)


@extend_schema(
    operation_id="me",
    tags=["auth"],
    responses={200: s.MeSerializer, 401: ERR_401, 429: ERR_429},
    description="Who the request is authenticated as: cities and roles.",
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    user = user_of(request)
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
        user = user_of(request)
        if not (is_editor(user) or is_broker(user) or user.is_staff):
            raise ApiPermissionDenied(_("Only secretariat staff see who works for a city."))
        members = (
            CityMembership.objects.filter(city=city).select_related("user").order_by("user__email")
        )
        page = self.paginate_queryset(members)
        return self.get_paginated_response(s.MemberSerializer(page, many=True).data)
