"""/api/v1/practices/: list, read, create and edit practices, their translations, and the
review transitions, one endpoint per row of practices.workflow.TRANSITIONS."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from practices import selectors as practice_selectors
from practices import services as practice_services
from practices.files import attachment_response
from practices.models import Practice, PracticeAttachment
from practices.workflow import REVIEW, TRANSITIONS

from ..common import (
    ID_PATTERN,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    NoteSerializer,
    add_action,
    user_of,
)
from . import serializers as s
from .filters import PracticeFilter


class AnyAccept(BaseContentNegotiation):
    """A file is what it is: the client's Accept header does not turn it into a 406."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


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
        description="A new draft, by a member of `city`. The same city, language, title and "
        "summary sent again by the same user within two minutes is taken for a repeat of the "
        "first (a double click, a retry): the answer is the draft it created, not a copy.",
    ),
    update=extend_schema(
        operation_id="practices_update",
        request=s.PracticeUpdateSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description="Replace the practice's original text and details. Send the `version` "
        "you edited (or If-Match): if someone saved since, 409 and nothing changes.",
    ),
    destroy=extend_schema(
        operation_id="practices_destroy",
        responses={204: None, **WRITE_ERRORS},
        description="Delete a draft that was never published, with its translations, files and "
        "history; by members of its city (`delete` is then among the detail's `actions`). A "
        "practice once published answers 409: archive it instead; one waiting for review, 409: "
        "withdraw it first.",
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
        allowed = practice_selectors.practice_permissions_for(practice=practice, user=user)
        context = {
            "actions": allowed.actions,
            "sees_history": allowed.sees_history,
            "request": self.request,
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
            by=user_of(request),
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
        version = values.pop("version", None) or _if_match(request)
        if partial:
            practice_services.practice_patch(
                practice=practice, by=user_of(request), changes=values, expected_version=version
            )
        else:
            practice_services.practice_update(
                practice=practice,
                by=user_of(request),
                data=self._data(values),
                expected_version=version,
            )
        return self._detail(practice.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        practice = practice_selectors.practice_get_visible(pk=self._pk(), user=request.user)
        practice_services.practice_delete(practice=practice, by=user_of(request))
        return Response(status=204)

    def _transition(self, request: Request, name: str) -> Response:
        practice = practice_selectors.practice_get_visible(pk=self._pk(), user=request.user)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        practice_services.practice_transition(
            practice=practice,
            by=user_of(request),
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
            by=user_of(request),
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
            practice=practice, by=user_of(request), language=language
        )
        return self._detail(practice.pk)

    @extend_schema(
        operation_id="practices_attachment_file",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **READ_ERRORS,
        },
        description="An attachment's bytes (the `url` of an entry of `attachments`), to whoever "
        "may read the practice: the same rule, and the same 404, as for the practice.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})",
        content_negotiation_class=AnyAccept,
    )
    def attachment_file(self, request: Request, pk: str, attachment_id: str) -> HttpResponseBase:
        try:
            attachment = practice_selectors.attachment_get_visible(
                attachment_id=int(attachment_id), user=request.user
            )
        except PracticeAttachment.DoesNotExist as exc:
            raise Http404 from exc
        if attachment.practice_id != self._pk():
            raise Http404
        return attachment_response(attachment)


def _if_match(request: Request) -> str | None:
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    if raw.startswith("W/"):
        raw = raw[2:]
    return raw.strip('"') or None


# -- the review transitions, one endpoint per row of the table -------------------------------


def _transition_schema(name: str) -> Any:
    step = TRANSITIONS[name]
    who = REVIEW.who(step)
    return extend_schema(
        operation_id=f"practices_{name}",
        request=NoteSerializer,
        responses={200: s.PracticeDetailSerializer, **WRITE_ERRORS},
        description=f"{step.label}: from {', '.join(sorted(step.sources))} to {step.target}, "
        f"by {who}." + (" A `note` is required." if step.note_required else ""),
        examples=[OpenApiExample("note", value={"note": "Thank you, published."})]
        if step.note_required
        else None,
    )


def _transition_endpoint(name: str) -> Any:
    """POST /api/v1/practices/{id}/<name, with dashes>/ takes the transition `name`."""

    def endpoint(self: PracticeViewSet, request: Request, pk: str) -> Response:
        return self._transition(request, name)

    endpoint.__name__ = endpoint.__qualname__ = name
    routed = action(
        detail=True,
        methods=["post"],
        url_path=name.replace("_", "-"),
        permission_classes=[IsAuthenticated],
    )(endpoint)
    return _transition_schema(name)(routed)


for _name in TRANSITIONS:
    add_action(PracticeViewSet, _name, _transition_endpoint(_name))
