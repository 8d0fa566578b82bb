from django.urls import path

from . import views

urlpatterns = [
    path("", views.practice_list, name="practice-list"),
    path("<int:pk>/", views.practice_detail, name="practice-detail"),
]
