"""The project's URLs plus one view that fails, to see the 500 page as users would."""

from django.urls import path

from migportal.urls import handler500  # noqa: F401 - handler500 is used by Django
from migportal.urls import urlpatterns as project_urlpatterns


def _fail(request):
    raise RuntimeError("boom")


urlpatterns = [*project_urlpatterns, path("fail/", _fail)]
