"""HTTP validators: ETag/If-None-Match on reads (304), If-Match on writes (412 when the row changed meanwhile)."""

import hashlib

from django.utils.translation import gettext as _
from django.views.decorators.http import conditional_page
from rest_framework.renderers import JSONRenderer

from .problems import PreconditionFailed


def representation_etag(data) -> str:
    """A strong ETag of what the API shows of a row: it changes whenever any shown field changes."""
    return f'"{hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:32]}"'


def check_if_match(request, current: str) -> None:
    """Refuse a write whose If-Match names another version of the row than the current one."""
    wanted = request.headers.get("If-Match")
    if wanted is None or wanted.strip() == "*":
        return
    if current not in [tag.strip() for tag in wanted.split(",")]:
        raise PreconditionFailed(_("The row was changed since you read it; read it again and retry."))


class ConditionalGetMixin:
    """Lists get an ETag from their content (detail views set the row's own); If-None-Match answers 304."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        return conditional_page(super().as_view(*args, **kwargs))
