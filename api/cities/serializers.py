"""What the API answers about cities, the taxonomy and the signed-in user. Cities and taxonomy
terms are referred to by their slugs; labels come in the request's language."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from cities.models import City, CityIndicator, CityMembership


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
