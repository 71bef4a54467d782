"""The real site, plus the unprotected twins and the floor under /bench/ (bench/twins.py).

Only the bench's settings (bench.settings) use this URLconf; sspf/urls.py never includes it.
"""

from django.urls import include, path

from bench import twins
from sspf.urls import urlpatterns as site

twin_patterns = [
    path("floor/", twins.floor, name="floor"),
    path("bare/<str:name>/", twins.bare, name="bare"),
    path("cases/", twins.case_list, name="case_list"),
    path("cases/<int:pk>/", twins.case_detail, name="case_detail"),
    path("contacts/new/", twins.contact_new, name="contact_new"),
    path("contacts/", twins.contact_list, name="contact_list"),
    path("meetings/prepare/", twins.prepare_next, name="prepare_next"),
    path("referrals/inbox/", twins.inbox, name="inbox"),
    path("schools/coverage/", twins.coverage, name="coverage"),
]

urlpatterns = [*site, path("bench/", include((twin_patterns, "bench")))]
