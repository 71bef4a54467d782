from django.urls import path

from cases import views

app_name = "cases"

# Child objects are reached through their case (/cases/<case>/consents/<id>/…): the case is
# checked first, then the child is looked up within it.
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/notes/new/", views.note_new, name="note_new"),
    path("<int:pk>/plan/new/", views.plan_new, name="plan_new"),
    path("<int:pk>/plan/<int:item_pk>/follow-up/", views.plan_follow_up, name="plan_follow_up"),
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/team/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/guardians/new/", views.guardian_new, name="guardian_new"),
    path("<int:pk>/custody/", views.custody, name="custody"),
    path("<int:pk>/consents/", views.consents, name="consents"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path(
        "<int:pk>/disclosures/<int:disclosure_pk>/end/",
        views.disclosure_end,
        name="disclosure_end",
    ),
]
