"""A protected read, as a selector will do it: check, then log ACCESS or the refusal."""

from django.http import Http404, HttpResponse
from django.urls import path

from audit.access import log_access, log_denied
from sspf.urls import urlpatterns as project_patterns
from tests.testapp.models import Secret


def read_secret(request, pk):
    secret = Secret.objects.filter(pk=pk).first()
    if secret is None or secret.label != request.user.username:
        log_denied(request.user, Secret, pk, obj=secret)
        raise Http404
    log_access(request.user, secret)
    return HttpResponse(secret.name)


urlpatterns = [*project_patterns, path("secret/<int:pk>/", read_secret)]
