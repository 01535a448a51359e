"""Who may do what through the API: the staff groups' model permissions, narrowed by a token's scope."""

from rest_framework import permissions

from portal.selectors import contact_for

from .models import ApiToken


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Reads need the model's view permission (viewers and editors), writes its add/change/delete permission
    (editors); a read-only token never writes, whoever owns it."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or token_may_write(request)


def token_may_write(request) -> bool:
    """Session users (the browsable API) write with their own rights; a token only with the editor scope."""
    return not isinstance(request.auth, ApiToken) or request.auth.may_write


class WritePermission(permissions.BasePermission):
    """One permission of the staff groups, and a token that may write."""

    permission = ""

    def has_permission(self, request, view):
        return request.user.has_perm(self.permission) and token_may_write(request)


class DeliveryRetryPermission(WritePermission):
    """Retrying a delivery is the editors' button on /notices/deliveries/."""

    permission = "notifications.change_delivery"


class ImportPermission(WritePermission):
    """The bulk upsert is an import: the editors' import right."""

    permission = "systems.import_inventory"


class ContactPermission(permissions.BasePermission):
    """The contact person's own endpoints: any token or session of a user who is a contact person."""

    def has_permission(self, request, view):
        return contact_for(request.user) is not None
