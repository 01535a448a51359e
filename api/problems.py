"""Every API error as RFC 9457 problem details: `type`, `title`, `status`, `detail`, and `errors` per field.

A refusal by the migration rules (lifecycle, wave state, capacity) is a 409 with the message the staff pages show;
other validation errors are 400 with the field errors.
"""

from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    """The change breaks a migration rule: the rows stay as they were."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"
    default_code = "conflict"

    def __init__(self, detail, errors=None):
        super().__init__(detail)
        self.errors = errors


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def refusal(error: DjangoValidationError) -> Conflict | exceptions.ValidationError:
    """A service's ValidationError as the API's answer: rule refusals (no field) are 409, field errors 400."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(as_serializer_error(error))
    return Conflict(" ".join(error.messages))


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = refusal(exc)
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("Other rows still refer to this one; remove them first."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    body = {"type": "about:blank", "title": _problem_title(exc, response.status_code), "status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        body["detail"] = _("The request has invalid fields.")
        body["errors"] = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
    elif isinstance(exc, Http404):
        body["detail"] = _("Not found.")
    else:
        body["detail"] = str(response.data.get("detail", "")) if isinstance(response.data, dict) else ""
        if getattr(exc, "errors", None):
            body["errors"] = exc.errors
    problem = Response(body, status=response.status_code, headers=dict(response.items()))
    problem.content_type = PROBLEM_CONTENT_TYPE
    return problem


def _problem_title(exc, status_code: int) -> str:
    return HTTPStatus(status_code).phrase
