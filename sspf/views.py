from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cases.selectors import expiring_consents

# Each app's part of the home page: a function of the request returning None or a dict with
# "template" and that template's context (as `panel`).
HOME_PANELS = [
    "schools.home.panel",
    "meetings.home.panel",
    "referrals.home.panel",
    "audit.home.panel",
    "stats.home.panel",
]


@login_required
def home(request):
    """The role-aware start page: who I am, where I belong, and what I can do here."""
    expiring = []
    if request.user.has_perm("cases.add_case"):
        expiring = list(expiring_consents(request.user))
    return render(
        request,
        "home.html",
        {
            "organisation": request.user.organisation,
            "roles": request.user.roles,
            "expiring_consents": expiring,
            "panels": [p for p in (import_string(f)(request) for f in HOME_PANELS) if p],
        },
    )


@require_safe
@never_cache
def healthz(request):
    """For the load balancer: 200 while the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def csrf_failure(request, reason=""):
    """A stale form (often an expired session) gets the plain 403 page, not Django's details."""
    return render(request, "403_csrf.html", status=403)
