"""/api/v1/ — paths partners rely on; see the OpenAPI schema at /api/schema/."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import search, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cities", views.CityViewSet, basename="api-city")
router.register("practices", views.PracticeViewSet, basename="api-practice")
router.register("exchange-requests", views.ExchangeRequestViewSet, basename="api-request")
router.register("exchanges", views.ExchangeViewSet, basename="api-exchange")
router.register("auth/tokens", views.TokenViewSet, basename="api-token")

urlpatterns = [
    path("health/", views.health, name="api-health"),
    path("taxonomy/", views.taxonomy, name="api-taxonomy"),
    path("me/", views.me, name="api-me"),
    path("auth/token/", views.token_login, name="api-token-login"),
    path("search/practices/", search.search_practices, name="api-search"),
    path("search/practices/export/", search.search_export, name="api-search-export"),
    path("search/suggest/", search.search_suggest, name="api-suggest"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404 in the API's error shape, not an HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="api-not-found"),
]
