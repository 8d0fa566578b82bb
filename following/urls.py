from django.urls import path

from . import views

urlpatterns = [
    path("searches/", views.saved_searches, name="following-searches"),
    path("searches/save/", views.saved_search_save, name="following-search-save"),
    path("searches/<int:pk>/", views.saved_search_update, name="following-search-update"),
    path("searches/<int:pk>/delete/", views.saved_search_delete, name="following-search-delete"),
    path("list/", views.my_list, name="following-list"),
    path("list/<int:pk>/", views.bookmark, name="following-bookmark"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="following-unsubscribe"),
]
