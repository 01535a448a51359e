from django.urls import path

from . import views

app_name = "dashboard"

# `/` itself is named "home" (without namespace) in migportal/urls.py; every template links to it.
urlpatterns = [
    path("dashboard/<int:year>/<int:week>/", views.dashboard_week, name="week"),
    path("dashboard.json", views.dashboard_json, name="json"),
    path("dashboard/<int:year>/<int:week>.json", views.dashboard_week_json, name="week_json"),
    path("dashboard.png", views.dashboard_png, name="png"),
    path("dashboard/history.csv", views.dashboard_history_csv, name="history_csv"),
    path("dashboard/language/", views.set_language, name="set_language"),
]
