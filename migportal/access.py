"""Who counts as project staff, defined once: the navigation, the login redirect and the portal ask here."""

from django.contrib.auth.models import AnonymousUser, User

#: Every staff group holds it (systems/roles.py); contact persons and the public do not.
STAFF_PERMISSION = "systems.view_system"


def is_project_staff(user: User | AnonymousUser | None) -> bool:
    """A logged-in member of the project staff (or a superuser)."""
    return bool(user and user.is_authenticated and user.has_perm(STAFF_PERMISSION))
