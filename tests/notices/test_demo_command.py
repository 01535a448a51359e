"""`notice_demo_wave`: a wave starting in a few minutes, and with --moves systems moved in after its announcement."""

from io import StringIO

from django.core.management import call_command

from notifications.choices import DeliveryChannel, NoticeKind, NoticeState
from notifications.models import Notice
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory


def _recipients(notice):
    return set(notice.deliveries.filter(channel=DeliveryChannel.EMAIL).values_list("recipient", flat=True))


def test_demo_wave_with_moves_collects_one_change_for_the_moved_systems_contacts(db, notice_settings, enqueued):
    """The test environment sets neither lead times nor the change delay: the command's options apply."""
    for number in range(4):
        system = SystemFactory(code=f"DEMO-{number}")
        SystemContactFactory(system=system, contact=ContactPersonFactory(email=f"demo{number}@kommune.example"))
    output = StringIO()

    # Announcement lead longer than the time to the window: it goes out at once, as short notice.
    options = {"minutes": 5, "systems": 2, "moves": 2, "notice_lead_minutes": 10, "reminder_lead_minutes": 1}
    call_command("notice_demo_wave", **options, stdout=output)

    announcement = Notice.objects.get(kind=NoticeKind.ANNOUNCEMENT)
    assert announcement.state == NoticeState.PUBLISHED
    assert _recipients(announcement) == {"demo0@kommune.example", "demo1@kommune.example"}
    change = Notice.objects.get(kind=NoticeKind.CHANGE)
    assert change.state == NoticeState.SCHEDULED  # collected for the command's default delay of a minute
    assert (change.publish_at - change.created_at).total_seconds() < 61
    assert {item["code"]: item["change"] for item in change.changes} == {"DEMO-2": "added", "DEMO-3": "added"}
    assert "to the 2 contact persons of the moved systems (demo2@kommune.example, demo3@kommune.example)" in (
        output.getvalue()
    )
