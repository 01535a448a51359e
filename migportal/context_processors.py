from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs to know about the user's role."""
    user = getattr(request, "user", None)
    is_staff_user = bool(user and user.is_authenticated and (user.is_staff or user.has_perm("systems.view_system")))
    return {"nav_is_staff": is_staff_user}
