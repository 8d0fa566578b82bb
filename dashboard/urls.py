from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("gaps/", views.gaps, name="dashboard-gaps"),
    path("csv/<slug:name>.csv", views.table_csv, name="dashboard-csv"),
]
