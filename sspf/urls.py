from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from sspf import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("schools/", include("schools.urls")),
    path("cases/", include("cases.urls")),
    path("contacts/", include("contacts.urls")),
    path("meetings/", include("meetings.urls")),
    path("referrals/", include("referrals.urls")),
    path("audit/", include("audit.urls")),
    path("stats/", include("stats.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# A database lost mid-request gets 503 and a page saying to try again (sspf/errors.py).
handler500 = "sspf.errors.server_error"
