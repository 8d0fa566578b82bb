from django.urls import path

from . import views

# Included first under the language prefix (config.urls); the other pages of cities/ and
# practices/ stay in those apps' URL modules.
urlpatterns = [
    path("", views.home, name="home"),
    path("my-city/", views.my_city, name="my-city"),
    path("cities/<slug:slug>/", views.city_detail, name="city-detail"),
    path("practices/<int:pk>/", views.practice_detail, name="practice-detail"),
]
