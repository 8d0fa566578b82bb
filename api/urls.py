from django.urls import path

from search import views as search_views

from . import views

urlpatterns = [
    path("health/", views.health, name="api-health"),
    path("search/practices/", search_views.api_search, name="api-search"),
    path("search/suggest/", search_views.api_suggest, name="api-suggest"),
]
