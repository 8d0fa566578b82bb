"""What every resource of the API shares: the documented error answers, the form of ids in
paths, the fields that refer to other objects by slug or number, and the serializers more than
one resource answers with. Each resource (api/cities, api/practices, api/exchanges, api/auth,
api/search) has its own serializers and views; which domain error becomes which status is
decided in api/errors.py alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request

from accounts.models import User
from core.languages import current_language
from core.workflow import NOTE_LIMIT

# Identifiers in paths are 1 to 18 digits (within PostgreSQL's bigint): anything else matches no
# route and answers the JSON 404 of api/urls.py, before any query.
ID_PATTERN = r"[0-9]{1,18}"


def user_of(request: Request) -> User:
    """The signed-in user of a view that requires one (IsAuthenticated)."""
    return cast(User, request.user)


def request_language() -> str:
    """The language of the request (Accept-Language), as a two-letter code."""
    return current_language()


def add_action(viewset: type, name: str, endpoint: Callable[..., Any]) -> None:
    """Add an endpoint made from a table (a review transition, an exchange step) to a viewset.
    A name that is already one of the viewset's attributes would silently replace it."""
    if hasattr(viewset, name):
        raise ImproperlyConfigured(f"{viewset.__name__} already has an attribute {name!r}")
    setattr(viewset, name, endpoint)


# -- errors (documentation only: api/errors.py shapes every error answer) -------------------


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


E = ErrorSerializer
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


# -- references to other objects -------------------------------------------------------------

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,220}$")
MAX_ID = 2**63 - 1
DIGITS = re.compile(r"[0-9]{1,40}")


class SlugField(serializers.SlugRelatedField):
    """A related object by slug. Anything that cannot be a slug (control characters, NUL,
    200 kB of text) is "does not exist" without reaching the database."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not SLUG.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data[:100])
        return super().to_internal_value(data)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by number (an integer, or its digits as text); numbers beyond the
    database's range do not exist. Anything else (true, 1.5, "abc", a list) is the wrong type:
    left to the database, true and 1.5 would quietly mean object 1."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and DIGITS.fullmatch(data.strip()):
            data = int(data.strip())
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def slug_field(queryset: Any, missing: StrOrPromise, **kwargs: Any) -> serializers.SlugRelatedField:
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


def at_least_one_challenge(value: list[Any]) -> list[Any]:
    # Also checked by the services; here so that it is reported with the other field errors.
    if not value:
        raise serializers.ValidationError(_("Choose at least one challenge."))
    return value


# -- serializers more than one resource answers with -----------------------------------------


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "name"]


# The body of a review transition, and the base of an exchange step's.
class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_LIMIT,
        help_text="Required for some steps.",
    )
