from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_new, name="new"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/correct/", views.contact_correct, name="correct"),
    path("<int:pk>/void/", views.contact_void, name="void"),
    path("overview/", views.overview, name="overview"),
    path("places/", views.places, name="places"),
    path("places/<int:pk>/toggle/", views.place_toggle, name="place_toggle"),
]
