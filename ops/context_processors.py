from django.conf import settings


def single_sign_on(request) -> dict:
    """Whether the login page offers the municipality's single sign-on."""
    return {"sso_enabled": settings.OIDC_ENABLED}
