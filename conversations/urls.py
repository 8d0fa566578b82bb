from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="conversations-inbox"),
    path("<int:pk>/", views.thread_detail, name="conversation-detail"),
    path("request/<int:pk>/", views.open_for_request, name="conversation-request"),
    path("proposal/<int:pk>/", views.open_for_match, name="conversation-proposal"),
    path("practice/<int:pk>/ask/", views.practice_ask, name="conversation-practice-ask"),
    path(
        "practice/<int:pk>/contacts/",
        views.practice_contacts,
        name="conversation-practice-contacts",
    ),
]
