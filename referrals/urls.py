from django.urls import path

from referrals import views
from referrals.models import Referral

app_name = "referrals"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("outbox/", views.outbox, name="outbox"),
    path(
        "new/mediation/",
        views.referral_new,
        {"kind": Referral.Kind.MEDIATION},
        name="new_mediation",
    ),
    path(
        "new/victim-support/",
        views.referral_new,
        {"kind": Referral.Kind.VICTIM_SUPPORT},
        name="new_victim_support",
    ),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/consents/", views.consents, name="consents"),
    path("<int:pk>/activities/new/", views.activity_new, name="activity_new"),
    path("<int:pk>/complete/", views.complete, name="complete"),
]
