from django.urls import path  # noqa: F401

app_name = "audit"

# The auditors' workspace (issue 13).
urlpatterns: list = []
