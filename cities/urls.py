from django.urls import path

from . import views

urlpatterns = [
    path("", views.city_list, name="city-list"),
    path("<slug:slug>/", views.city_detail, name="city-detail"),
]
