from django.urls import path

from . import invitations, views

# Included first under the language prefix (config.urls); the other pages of practices/ stay
# in that app's URL module (cities has no pages of its own: all of them show practices too).
urlpatterns = [
    path("", views.home, name="home"),
    path("cities/", views.city_list, name="city-list"),
    path("my-city/", views.my_city, name="my-city"),
    path("cities/<slug:slug>/", views.city_detail, name="city-detail"),
    path("practices/<int:pk>/", views.practice_detail, name="practice-detail"),
    path("invitations/new/", invitations.invitation_new, name="invitation-create"),
    path("invitations/<str:token>/", invitations.invitation_open, name="invitation-open"),
]
