from django.urls import path

from audit import views

app_name = "audit"

# The auditors' workspace (issue 13).
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("entries/", views.entries, name="entries"),
    path("people/<int:pk>/", views.person_extract, name="person_extract"),
    path("people/<int:pk>/csv/", views.person_extract_csv, name="person_extract_csv"),
    path("users/<int:pk>/", views.user_activity, name="user_activity"),
    path("users/<int:pk>/csv/", views.user_activity_csv, name="user_activity_csv"),
    path("findings/", views.finding_list, name="findings"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/samples/<int:sample_pk>/", views.sample_assess, name="sample_assess"),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
