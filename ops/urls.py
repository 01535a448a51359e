from django.urls import path

from . import oidc, views

urlpatterns = [
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility"),
    # mozilla-django-oidc's views under their own names; 404 unless OIDC_* is configured.
    path("oidc/authenticate/", oidc.authenticate_view, name="oidc_authentication_init"),
    path("oidc/callback/", oidc.callback_view, name="oidc_authentication_callback"),
]
