from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import selectors


class NoticeAlerts:
    """What the navigation badge shows: dead deliveries, held webhook calls and a disabled webhook (queried only
    when used)."""

    def __init__(self) -> None:
        self.dead, self.held, self.webhook_disabled = selectors.notice_alerts()


def notice_alerts(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.has_perm("notifications.view_delivery")):
        return {}
    return {"notice_alerts": SimpleLazyObject(NoticeAlerts)}
