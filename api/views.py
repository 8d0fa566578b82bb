"""The REST API, version 1: what belongs to no resource (the health check and the JSON 404).

Each resource is a package with its own serializers and views: api/cities (cities, taxonomy,
me), api/practices, api/exchanges (requests and exchanges), api/auth (tokens) and api/search.
Every view reads through the apps' selectors and writes through their services, exactly as the
web pages do: who may see or do what is decided there, once.

Objects a user may not see answer 404 (as on the web), actions they may not take 403, and
actions the object's state does not allow 409. See api/errors.py for the error shape.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import error_body


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request: Request) -> Response:
    return Response(error_body("not_found", _("There is no such address in the API.")), status=404)


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Response({"status": "ok", "database": connection.vendor})
