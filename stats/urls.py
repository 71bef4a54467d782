from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("", views.gender_view, name="index"),
    path("csv/", views.gender_csv, name="csv"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("follow-up/csv/", views.follow_up_csv, name="follow_up_csv"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/values/new/", views.target_value_new, name="target_value_new"),
]
