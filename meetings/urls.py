from django.urls import path

from meetings import views

app_name = "meetings"

# Children of a meeting are reached through it (/meetings/<meeting>/items/<id>/…): the meeting
# is checked first, then the child is looked up within it.
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("prepare/", views.prepare_next, name="prepare_next"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/prepare/", views.prepare, name="prepare"),
    path("<int:pk>/print/", views.print_agenda, name="print"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/items/new/", views.item_new, name="item_new"),
    path("<int:pk>/items/<int:item_pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/items/<int:item_pk>/decisions/new/", views.decision_new, name="decision_new"),
    path("<int:pk>/follow-up/<int:plan_pk>/", views.follow_up, name="follow_up"),
]
