"""/api/v1/auth/token/ (a password for a new token) and /api/v1/auth/tokens/ (your tokens).
Tokens are created, listed and revoked by api.tokens."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.ratelimits import SignIn

from .. import tokens
from ..common import (
    ERR_400,
    ERR_401,
    ERR_413,
    ERR_429,
    ID_PATTERN,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    user_of,
)
from ..models import ApiToken
from . import serializers as s


@extend_schema(
    operation_id="auth_token",
    tags=["auth"],
    request=s.TokenLoginSerializer,
    responses={201: s.NewTokenSerializer, 400: ERR_400, 413: ERR_413, 429: ERR_429},
    auth=[],
    description="Exchange an e-mail address and password for a new personal token. The "
    "answer is the same for an unknown address and a wrong password. Failed attempts are "
    "limited as on the web's sign-in page: a few per account from one client address, more "
    "per address, and a few an hour per account from addresses that never signed in to it; "
    "past a limit, 429 with `Retry-After`, even with the right password.",
    examples=[
        OpenApiExample(
            "sign in",
            request_only=True,
            value={"email": "ana@example.org", "password": "…", "name": "city open-data sync"},
        )
    ],
)
@api_view(["POST"])
@permission_classes([AllowAny])
def token_login(request: Request) -> Response:
    body = s.TokenLoginSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    values = body.validated_data
    # The policy (what counts, when an attempt waits) is accounts/ratelimits.py's.
    attempt = SignIn.of(request._request, email=values["email"])
    if attempt.refused():
        raise exceptions.Throttled(wait=attempt.retry_after())
    user = authenticate(request._request, email=values["email"], password=values["password"])
    if user is None:
        attempt.failed()
        raise ValidationError(_("The e-mail address or the password is not right."))
    attempt.succeeded()
    token, key = tokens.token_create(
        user=cast(User, user), name=values["name"], expires_in_days=values.get("expires_in_days")
    )
    return Response({**s.TokenSerializer(token).data, "token": key}, status=201)


@extend_schema_view(
    list=extend_schema(
        operation_id="auth_tokens_list",
        tags=["auth"],
        responses={200: s.TokenSerializer(many=True), 401: ERR_401, **LIST_ERRORS},
        description="Your tokens that still work (never their secret).",
    ),
    create=extend_schema(
        operation_id="auth_tokens_create",
        tags=["auth"],
        request=s.TokenCreateSerializer,
        responses={201: s.NewTokenSerializer, **WRITE_ERRORS},
        description="A new token for yourself; its secret is in this answer only.",
    ),
    destroy=extend_schema(
        operation_id="auth_tokens_revoke",
        tags=["auth"],
        responses={204: None, 401: ERR_401, **READ_ERRORS},
        description="Revoke one of your tokens: it stops working at once.",
    ),
)
class TokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticated]
    serializer_class = s.TokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return tokens.token_list(user=user_of(self.request))

    def get_serializer_class(self) -> Any:
        return s.TokenCreateSerializer if self.action == "create" else s.TokenSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.TokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = tokens.token_create(
            user=user_of(request),
            name=body.validated_data["name"],
            expires_in_days=body.validated_data.get("expires_in_days"),
        )
        return Response({**s.TokenSerializer(token).data, "token": key}, status=201)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens.token_revoke(user=user_of(request), token_id=int(kwargs["pk"]))
        return Response(status=204)
