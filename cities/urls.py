from django.urls import path

from . import views

# The city profile (cities/<slug>/) is served by portal.urls.
urlpatterns = [
    path("", views.city_list, name="city-list"),
]
