from django.urls import path

from . import views

app_name = "systems"


def crud(prefix: str, model: str, list_view, detail_view, edit_view, delete_view) -> list:
    """The five pages every staff model has: list, detail, add, edit, delete."""
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{model}_list"),
        path(f"{prefix}/add/", edit_view.as_view(), name=f"{model}_add"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{model}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{model}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{model}_delete"),
    ]


urlpatterns = [
    path("staff/", views.StaffHomeView.as_view(), name="staff_home"),
    *crud(
        "agencies", "agency", views.AgencyListView, views.AgencyDetailView, views.AgencyEditView, views.AgencyDeleteView
    ),
    *crud(
        "systems", "system", views.SystemListView, views.SystemDetailView, views.SystemEditView, views.SystemDeleteView
    ),
    path("agencies/autocomplete/", views.AgencyAutocompleteView.as_view(), name="agency_autocomplete"),
    path("systems/bulk/", views.SystemBulkView.as_view(), name="system_bulk"),
    path("systems/<int:pk>/status/", views.SystemTransitionView.as_view(), name="system_transition"),
    path("systems/<int:pk>/wave/", views.SystemAssignWaveView.as_view(), name="system_assign_wave"),
    path("systems/<int:pk>/contacts/add/", views.SystemContactAddView.as_view(), name="systemcontact_add"),
    path("system-contacts/<int:pk>/delete/", views.SystemContactDeleteView.as_view(), name="systemcontact_delete"),
    *crud("vms", "vm", views.VMListView, views.VMDetailView, views.VMEditView, views.VMDeleteView),
    path("vms/bulk/", views.VMBulkView.as_view(), name="vm_bulk"),
    path("vms/<int:pk>/status/", views.VMTransitionView.as_view(), name="vm_transition"),
    *crud(
        "contacts",
        "contactperson",
        views.ContactPersonListView,
        views.ContactPersonDetailView,
        views.ContactPersonEditView,
        views.ContactPersonDeleteView,
    ),
]
