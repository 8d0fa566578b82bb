"""One error shape for every API failure, whatever raised it:

    {"code": "invalid", "detail": "A sentence for a person.", "errors": {"field": ["…"]}}

`code` is stable and meant for programs; `detail` is in the request's language; `errors` maps
field names (or "non_field_errors") to messages and is empty when no field is at fault.

Domain errors from the services map to statuses here, once: Django's ValidationError → 400,
PermissionDenied → 403, DoesNotExist/Http404 → 404, InvalidTransition and StaleUpdate → 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import InvalidTransition, StaleUpdate


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _flatten(v)]
    return [str(value)]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict) and not isinstance(value, str):
                # nested serializer: "sections.context"
                for sub, messages in _field_errors(value).items():
                    out[f"{key}.{sub}"] = messages
            else:
                out[str(key)] = _flatten(value)
        return out
    return {"non_field_errors": _flatten(detail)}


def error_body(code: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "detail": detail, "errors": errors or {}}


def _from_django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        errors: Any = {
            ("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()
        }
    else:
        errors = {"non_field_errors": exc.messages}
    return exceptions.ValidationError(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here: rest_framework.views reads the API settings, which name this package's
    # parser and pagination classes (api.limits imports this module).
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, StaleUpdate):
        exc = Conflict(str(exc), code="stale")
    elif isinstance(exc, InvalidTransition):
        exc = Conflict(str(exc), code="conflict")
    elif isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound(_("Not found, or you are not allowed to see it."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        only_general = set(errors) == {"non_field_errors"}
        detail = (
            errors["non_field_errors"][0]
            if only_general and errors["non_field_errors"]
            else _("Some fields are not valid; see “errors”.")
        )
        code = "invalid"
    else:
        errors = {}
        detail = str(exc.detail)
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        detail = _("Too many requests: try again in %(seconds)d seconds.") % {
            "seconds": int(wait) + 1
        }
    response.data = error_body(str(code), detail, errors)
    return response
