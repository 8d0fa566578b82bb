"""What the API reads and writes about conversations. Input serializers check types and sizes;
conversations.services holds every rule."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.models import MESSAGE_LIMIT, Message, Thread
from conversations.titles import thread_title

from ..cities.serializers import CityRefSerializer
from ..common import UserRefSerializer
from ..exchanges.serializers import VisiblePracticeField


class ThreadSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    exchange = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "id",
            "kind",
            "title",
            "request",
            "match",
            "exchange",
            "practice",
            "created_at",
            "last_message_at",
            "unread",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_title(self, thread: Thread) -> str:
        return thread_title(thread)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_exchange(self, thread: Thread) -> int | None:
        exchange = getattr(thread.match, "exchange", None) if thread.match else None
        return exchange.pk if exchange else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_unread(self, thread: Thread) -> int | None:
        """Messages of others after the last one you read; null outside the list."""
        return getattr(thread, "unread", None)


class MessageSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(allow_null=True)
    author_city = CityRefSerializer(allow_null=True, help_text="Null: the secretariat.")

    class Meta:
        model = Message
        fields = ["id", "author", "author_city", "body", "created_at"]


class MessageWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=MESSAGE_LIMIT, help_text=f"Plain text, at most {MESSAGE_LIMIT} characters."
    )


class ThreadOpenSerializer(serializers.Serializer):
    request = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="An exchange request's id: its thread between the city and the secretariat.",
    )
    match = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A proposed peer's id (a match with an exchange): the thread of the two "
        "cities and the secretariat.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("request" in attrs) == ("match" in attrs):
            raise serializers.ValidationError("Give either `request` or `match`.")
        return attrs


class QuestionSerializer(MessageWriteSerializer):
    practice = VisiblePracticeField(
        help_text="The id of a published practice of another city than yours.",
        error_messages={
            "does_not_exist": "There is no practice {pk_value}.",
            "incorrect_type": "Give the id of a practice, a number (not {data_type}).",
        },
    )
