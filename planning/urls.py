from django.urls import path

from . import views

app_name = "planning"


def _edit_pages(prefix: str, model: str, list_view, edit_view, delete_view) -> list:
    return [
        path(f"planning/{prefix}/", list_view.as_view(), name=f"{model}_list"),
        path(f"planning/{prefix}/add/", edit_view.as_view(), name=f"{model}_add"),
        path(f"planning/{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{model}_edit"),
        path(f"planning/{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{model}_delete"),
    ]


urlpatterns = [
    path("planning/", views.PlanningHomeView.as_view(), name="home"),
    path("planning/proposals/add/", views.ProposalCreateView.as_view(), name="proposal_add"),
    path("planning/proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="proposal_detail"),
    path("planning/proposals/<int:pk>/progress.json", views.ProposalProgressView.as_view(), name="proposal_progress"),
    path("planning/proposals/<int:pk>/accept/", views.ProposalAcceptView.as_view(), name="proposal_accept"),
    path("planning/groups/", views.MoveGroupListView.as_view(), name="move_groups"),
    path("planning/groups/<int:pk>/assign/", views.MoveGroupAssignView.as_view(), name="move_group_assign"),
    path("planning/coverage/", views.CoverageSystemListView.as_view(), name="coverage_systems"),
    path("planning/coverage/contacts/", views.CoverageContactListView.as_view(), name="coverage_contacts"),
    *_edit_pages(
        "blackouts",
        "blackoutperiod",
        views.BlackoutPeriodListView,
        views.BlackoutPeriodEditView,
        views.BlackoutPeriodDeleteView,
    ),
    *_edit_pages(
        "tester-capacities",
        "testercapacity",
        views.TesterCapacityListView,
        views.TesterCapacityEditView,
        views.TesterCapacityDeleteView,
    ),
    path("planning/calendar/", views.WaveCalendarView.as_view(), name="calendar"),
    path("planning/calendar/<str:token>/waves.ics", views.calendar_feed, name="calendar_feed"),
]
