"""/api/v1/ — paths partners rely on; see the OpenAPI schema at /api/schema/."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import views
from .auth import views as auth
from .cities import views as cities
from .conversations import views as conversations
from .exchanges import views as exchanges
from .practices import views as practices
from .search import views as search

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cities", cities.CityViewSet, basename="api-city")
router.register("practices", practices.PracticeViewSet, basename="api-practice")
router.register("exchange-requests", exchanges.ExchangeRequestViewSet, basename="api-request")
router.register("exchanges", exchanges.ExchangeViewSet, basename="api-exchange")
router.register("conversations", conversations.ConversationViewSet, basename="api-conversation")
router.register("auth/tokens", auth.TokenViewSet, basename="api-token")

urlpatterns = [
    path("health/", views.health, name="api-health"),
    path("taxonomy/", cities.taxonomy, name="api-taxonomy"),
    path("me/", cities.me, name="api-me"),
    path("auth/token/", auth.token_login, name="api-token-login"),
    path("search/practices/", search.search_practices, name="api-search"),
    path("search/practices/export/", search.search_export, name="api-search-export"),
    path("search/suggest/", search.search_suggest, name="api-suggest"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404 in the API's error shape, not an HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="api-not-found"),
]
