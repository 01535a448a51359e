"""The project's admin site: Django's, with hostile input to any admin page answered as a client error."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed


def _id_fields(model_admin) -> list:
    """The fields the view's positional ids are keys of: the model's primary key, then (simple-history's
    version pages) its historical records' key."""
    if not isinstance(model_admin, admin.ModelAdmin):
        return []
    model = model_admin.model
    fields = [model._meta.pk]
    history = getattr(model._meta, "simple_history_manager_attribute", None)
    if history:
        fields.append(getattr(model, history).model._meta.pk)
    return fields


class AdminSite(admin.AdminSite):
    """Django's admin site, which answers hostile input with a 4xx instead of a 500:

    - an empty `_to_field` (Django's admin looks up a field named "" and fails): treated as absent;
    - an object id that is no primary key of the model (simple-history's history pages hand it to the
      database as it is): a 404, as Django's own change page answers;
    - a POST to a version in the history (simple-history's revert, whose form crashes on invalid choices
      and which would write around the services): refused, the history is read-only.
    """

    def admin_view(self, view, cacheable=False):
        id_fields = _id_fields(getattr(view, "__self__", None))
        history_version = getattr(view, "__name__", "") == "history_form_view"

        @wraps(view)
        def checked(request, *args, **kwargs):
            if history_version and request.method == "POST":
                return HttpResponseNotAllowed(["GET", "HEAD"])
            for name in ("GET", "POST"):
                data = getattr(request, name)
                if data.get(TO_FIELD_VAR, None) == "":
                    data = data.copy()
                    del data[TO_FIELD_VAR]
                    setattr(request, name, data)
            ids = [kwargs["object_id"]] if "object_id" in kwargs else list(args)
            try:
                for field, value in zip(id_fields, ids, strict=False):
                    field.to_python(unquote(value))
            except ValidationError:
                raise Http404 from None
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)
