from django.http import HttpRequest

from .access import is_project_staff


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs to know about the user's role."""
    return {"nav_is_staff": is_project_staff(getattr(request, "user", None))}
