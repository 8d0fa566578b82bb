from django.urls import path

from . import views

# The practice page (practices/<pk>/) shows similar practices found by search: it is served by
# portal.urls.
urlpatterns = [
    path("", views.practice_list, name="practice-list"),
    path("new/", views.practice_create, name="practice-create"),
    path("new/images/<int:pending_id>/", views.pending_image, name="practice-pending-image"),
    path("mine/", views.practice_mine, name="practice-mine"),
    path("review/", views.review_queue, name="review-queue"),
    path("<int:pk>/edit/", views.practice_edit, name="practice-edit"),
    path("<int:pk>/delete/", views.practice_delete, name="practice-delete"),
    path("<int:pk>/pdf/", views.practice_pdf, name="practice-pdf"),
    path("<int:pk>/step/<slug:name>/", views.practice_step, name="practice-step"),
    path(
        "<int:pk>/translations/<str:language>/",
        views.practice_translation,
        name="practice-translation",
    ),
    path("<int:pk>/attachments/", views.attachment_add, name="practice-attachment-add"),
    path("<int:pk>/cover/", views.practice_cover, name="practice-cover"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="practice-attachment-delete",
    ),
]
