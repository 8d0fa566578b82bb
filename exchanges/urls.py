from django.urls import path

from . import views

urlpatterns = [
    path("mine/", views.my_exchanges, name="exchanges-mine"),
    path("board/", views.broker_board, name="broker-board"),
    path("pipeline/", views.broker_pipeline, name="broker-pipeline"),
    path("requests/new/", views.request_create, name="exchange-request-create"),
    path("requests/<int:pk>/", views.request_detail, name="exchange-request-detail"),
    path("requests/<int:pk>/<slug:action>/", views.request_action, name="exchange-request-action"),
    path("<int:pk>/", views.exchange_detail, name="exchange-detail"),
    path("<int:pk>/step/<slug:name>/", views.exchange_step, name="exchange-step"),
    path("<int:pk>/evaluate/<int:city_id>/", views.exchange_evaluate, name="exchange-evaluate"),
]
