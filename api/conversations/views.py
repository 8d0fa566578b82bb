"""/api/v1/conversations/: the threads you take part in, their messages, opening the thread of
an exchange request or a proposal, and asking a practice's city a question. The rules are
conversations.selectors' and conversations.services' (a city never reads another city's
thread; brokers read all)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from conversations import selectors, services
from conversations.models import Thread
from exchanges.models import Match
from exchanges.selectors import request_visible_to

from ..common import ERR_401, ID_PATTERN, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, user_of
from . import serializers as s

_RELATED = (
    "request__city",
    "match__request__city",
    "match__peer_city",
    "match__exchange",
    "practice",
    "asker_city",
)


def _detail(thread: Thread, *, status_code: int = 200) -> Response:
    return Response(s.ThreadSerializer(thread).data, status=status_code)


@extend_schema_view(
    list=extend_schema(
        operation_id="conversations_list",
        description="The threads with messages you may read, latest first, each with your "
        "unread count. Brokers read every thread.",
        responses={200: s.ThreadSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="conversations_retrieve",
        responses={200: s.ThreadSerializer, 401: ERR_401, **READ_ERRORS},
    ),
)
class ConversationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticated]
    serializer_class = s.ThreadSerializer
    # For the schema generator, which has no user to read the inbox of.
    queryset = Thread.objects.none()

    def get_queryset(self) -> QuerySet[Thread]:
        if getattr(self, "swagger_fake_view", False):
            return Thread.objects.none()
        return selectors.thread_inbox(user=user_of(self.request))

    def _get(self, pk: str) -> Thread:
        return (
            selectors.thread_visible_to(user=self.request.user)
            .select_related(*_RELATED)
            .get(pk=int(pk))
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return _detail(self._get(pk))

    @extend_schema(
        operation_id="conversations_messages",
        methods=["GET"],
        responses={200: s.MessageSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
        description="The messages of a thread, oldest first.",
    )
    @extend_schema(
        operation_id="conversations_post_message",
        methods=["POST"],
        request=s.MessageWriteSerializer,
        responses={201: s.MessageSerializer, **WRITE_ERRORS},
        description="Post a message (plain text); the other participants get it by e-mail, "
        "each in their language.",
    )
    @action(detail=True, methods=["get", "post"])
    def messages(self, request: Request, pk: str) -> Response:
        thread = self._get(pk)
        if request.method == "POST":
            body = s.MessageWriteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            message = services.message_post(
                thread=thread, by=user_of(request), body=body.validated_data["body"]
            )
            created = selectors.thread_messages(thread=thread).get(pk=message.pk)
            return Response(s.MessageSerializer(created).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.thread_messages(thread=thread))
        return self.get_paginated_response(s.MessageSerializer(page, many=True).data)

    @extend_schema(
        operation_id="conversations_read",
        request=None,
        responses={200: s.ThreadSerializer, **WRITE_ERRORS},
        description="Mark every message of the thread so far as read by you.",
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        thread = self._get(pk)
        services.thread_mark_read(thread=thread, by=user_of(request))
        return _detail(thread)

    @extend_schema(
        operation_id="conversations_open",
        request=s.ThreadOpenSerializer,
        responses={200: s.ThreadSerializer, **WRITE_ERRORS},
        description="The thread of an exchange request (its city and the secretariat) or of a "
        "proposal (the two cities and the secretariat), opened on first use. A peer city "
        "cannot open the request's thread, nor another peer's.",
    )
    @action(detail=False, methods=["post"])
    def open(self, request: Request) -> Response:
        body = s.ThreadOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = user_of(request)
        visible = request_visible_to(user=user)
        try:
            if "request" in body.validated_data:
                found = visible.get(pk=body.validated_data["request"])
                thread = services.thread_open_for_request(request=found, by=user)
            else:
                match = Match.objects.select_related("request", "peer_city").get(
                    pk=body.validated_data["match"], request__in=visible
                )
                thread = services.thread_open_for_match(match=match, by=user)
        except PermissionDenied as exc:
            # What a city may not read does not exist for it (api/errors.py's rule).
            raise exceptions.NotFound() from exc
        return _detail(self._get(str(thread.pk)))

    @extend_schema(
        operation_id="conversations_ask",
        request=s.QuestionSerializer,
        responses={201: s.ThreadSerializer, **WRITE_ERRORS},
        description="A member of another city asks the city behind a published practice a "
        "question: a new thread with the practice's contact people and the secretariat. "
        "Limited per person per day (429 at the limit).",
    )
    @action(detail=False, methods=["post"])
    def ask(self, request: Request) -> Response:
        body = s.QuestionSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            thread = services.practice_question_ask(
                practice=body.validated_data["practice"],
                by=user_of(request),
                body=body.validated_data["body"],
            )
        except services.QuestionLimitReached as exc:
            raise exceptions.Throttled(detail=" ".join(exc.messages)) from exc
        return _detail(self._get(str(thread.pk)), status_code=status.HTTP_201_CREATED)

    def get_serializer_class(self) -> Any:
        return s.ThreadSerializer
