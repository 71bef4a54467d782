"""The project's URLs plus one view nobody declared a policy for."""

from django.http import HttpResponse
from django.urls import path

from sspf.urls import urlpatterns as project_patterns


def forgotten_view(request):
    return HttpResponse("anyone can see this")


urlpatterns = [*project_patterns, path("forgotten/", forgotten_view, name="forgotten")]
