"""What the search endpoints answer: hits with highlights, facet counts, completions."""

from __future__ import annotations

from rest_framework import serializers

from ..cities.serializers import CityRefSerializer


class HitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    language = serializers.CharField()
    city = CityRefSerializer()
    url = serializers.CharField()
    highlights = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field → fragments, HTML-escaped apart from <mark> around matched words.",
    )
    related = serializers.BooleanField(
        help_text="True when found by meaning alone: none of the query's words is in it."
    )


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class SearchResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = HitSerializer(many=True)
    facets = serializers.DictField(
        child=FacetValueSerializer(many=True),
        help_text="Facet parameter → values with counts (each facet ignoring its own filter).",
    )
    suggestion = serializers.CharField(help_text="“Did you mean”, or empty.")
    degraded = serializers.BooleanField(
        help_text="True when the search engine did not answer and the database did."
    )
    semantic_unavailable = serializers.BooleanField(
        help_text="True when meaning could not be used (the language model is unavailable): "
        "the results match words only."
    )


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField()


class SuggestResultSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)
    degraded = serializers.BooleanField()
