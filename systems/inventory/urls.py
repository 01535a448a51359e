from django.urls import path, re_path

from . import views

app_name = "inventory"

urlpatterns = [
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportJobView.as_view(), name="import_job"),
    path("import/<int:pk>/progress.json", views.ImportProgressView.as_view(), name="import_progress"),
    path("import/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("export/<slug:kind>.csv", views.ExportCSVView.as_view(), name="export_csv"),
    re_path(r"^export/inventory\.(?P<fmt>xlsx|zip)$", views.ExportFileView.as_view(), name="export_file"),
]
