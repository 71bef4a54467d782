from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/notes/new/", views.note_new, name="note_new"),
    path("<int:pk>/plan/new/", views.plan_new, name="plan_new"),
    path("plan/<int:pk>/follow-up/", views.plan_follow_up, name="plan_follow_up"),
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/team/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/guardians/new/", views.guardian_new, name="guardian_new"),
    path("<int:pk>/consents/", views.consents, name="consents"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/disclosures/new/", views.disclosure_new, name="disclosure_new"),
]
