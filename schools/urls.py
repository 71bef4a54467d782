from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("", views.my_schools, name="mine"),
    path("<int:pk>/", views.school_detail, name="detail"),
    path("<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/correct/", views.visit_correct, name="visit_correct"),
    path("visits/<int:pk>/void/", views.visit_void, name="visit_void"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage.csv", views.coverage_csv, name="coverage_csv"),
    path("assignments/", views.assignment_list, name="assignments"),
    path("assignments/new/", views.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
]
