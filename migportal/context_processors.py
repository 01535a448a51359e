from functools import partial

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest

from .access import is_project_staff


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs to know about the user's role, and what the header calls the user (worked out
    only if a page shows it)."""
    user = getattr(request, "user", None)
    staff = is_project_staff(user)
    return {"nav_is_staff": staff, "nav_user_name": partial(display_name, user, staff)}


def display_name(user, staff: bool) -> str:
    """The full name; else, for a contact person, their name in the contact register (staff are not looked up
    there: a query on every staff page, and they have no entry); else the user name."""
    if name := user.get_full_name():
        return name
    if not staff:
        try:
            return user.contact_person.name
        except ObjectDoesNotExist:
            pass
    return user.get_username()
