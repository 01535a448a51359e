from django.urls import path, register_converter
from django.urls.converters import StringConverter

from . import feeds, views


class FeedTokenConverter(StringConverter):
    """A feed token as FeedToken makes them (URL-safe base64); anything else is a 404 before any query."""

    regex = "[A-Za-z0-9_-]{20,64}"


class HexConverter(StringConverter):
    """A login link's secret (a hex HMAC)."""

    regex = "[0-9a-f]{1,128}"


register_converter(FeedTokenConverter, "feed_token")
register_converter(HexConverter, "hex")

app_name = "portal"

urlpatterns = [
    path("portal/", views.notice_list, name="notice_list"),
    path("portal/login/", views.login_request, name="login"),
    path("portal/login/sent/", views.login_sent, name="login_sent"),
    path("portal/login/<int:pk>/<hex:secret>/", views.login_link, name="login_link"),
    path("portal/notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("portal/notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice_acknowledge"),
    path("portal/notices/<int:pk>/unacknowledge/", views.notice_unacknowledge, name="notice_unacknowledge"),
    path("portal/systems/", views.system_list, name="system_list"),
    path("portal/systems/<int:pk>/test/", views.system_test, name="system_test"),
    path("portal/subscriptions/", views.subscriptions, name="subscriptions"),
    path("portal/subscriptions/regenerate/", views.subscriptions_regenerate, name="subscriptions_regenerate"),
    path("portal/feeds/<feed_token:token>/calendar.ics", feeds.calendar_feed, name="calendar_feed"),
    path("portal/feeds/<feed_token:token>/notices.atom", feeds.NoticeAtomFeed(), name="atom_feed"),
    path(
        "portal/staff/acknowledgements/",
        views.StaffAcknowledgementListView.as_view(),
        name="staff_acknowledgement_list",
    ),
    path(
        "portal/staff/acknowledgements/<int:pk>/",
        views.staff_acknowledgement_detail,
        name="staff_acknowledgement_detail",
    ),
    path("portal/staff/escalations/", views.StaffEscalationsView.as_view(), name="staff_escalations"),
]
