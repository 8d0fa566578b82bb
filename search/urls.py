from django.urls import path

from . import views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("feed/", views.SearchFeed(), name="search-feed"),
]
