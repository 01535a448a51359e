"""A tester's result after migration: OK → verified; problems → stays migrated, editors alerted, problem visible."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from notifications.choices import DeliveryState
from portal.choices import TestResult
from portal.models import TestReport
from portal.selectors import open_test_problems
from systems.choices import ContactRole, MigrationStatus
from systems.roles import EDITOR_GROUP
from tests.factories import SystemContactFactory, UserFactory


@pytest.fixture
def tester(contact_a, system_a):
    SystemContactFactory(system=system_a, contact=contact_a, role=ContactRole.TESTER)
    system_a.status = MigrationStatus.MIGRATED
    system_a.save()
    return contact_a


@pytest.fixture
def editors(db):
    group = Group.objects.get(name=EDITOR_GROUP)
    users = [UserFactory(username="red1", email="red1@kommune.example"), UserFactory(username="red2", email="")]
    for user in users:
        user.groups.add(group)
    return users


def _url(system):
    return reverse("portal:system_test", kwargs={"pk": system.pk})


def test_test_report_ok_verifies_the_system_with_history(client, tester, system_a):
    client.force_login(tester.user)
    response = client.post(_url(system_a), {"result": TestResult.OK, "text": "Innlogging og utskrift virker."})
    assert response.status_code == 302
    system_a.refresh_from_db()
    assert system_a.status == MigrationStatus.VERIFIED
    latest = system_a.history.latest()
    assert latest.history_user == tester.user
    assert "Test OK by Anne Andersen" in latest.history_change_reason
    page = client.get(response["Location"]).content.decode()
    assert "Takk. BYM-KART er nå verifisert." in page


def test_test_report_problems_keep_migrated_alert_editors_and_show_on_staff_selector(
    client, tester, system_a, editors, django_capture_on_commit_callbacks, enqueued
):
    client.force_login(tester.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(system_a), {"result": TestResult.PROBLEMS, "text": "Kartet laster ikke."})
    assert response.status_code == 302
    system_a.refresh_from_db()
    assert system_a.status == MigrationStatus.MIGRATED
    (problem,) = open_test_problems(system_a)
    assert problem.text == "Kartet laster ikke."
    assert problem.contact == tester

    assert len(enqueued) == 1  # the alert is a delivery, sent by the worker after commit; run it as the worker would
    assert enqueued.run() == [DeliveryState.SENT]
    (message,) = mail.outbox
    assert message.to == ["red1@kommune.example"]
    assert message.subject == "Test etter flytting fant problemer: BYM-KART"
    assert "Anne Andersen testet BYM-KART Kartløsning etter flyttingen og fant problemer:" in message.body
    assert "Kartet laster ikke." in message.body


def test_test_report_ok_after_problems_resolves_them(client, tester, system_a):
    client.force_login(tester.user)
    client.post(_url(system_a), {"result": TestResult.PROBLEMS, "text": "Treg."})
    assert open_test_problems(system_a).count() == 1
    client.post(_url(system_a), {"result": TestResult.OK, "text": ""})
    assert open_test_problems(system_a).count() == 0
    assert TestReport.objects.get(result=TestResult.PROBLEMS).resolved_at is not None


def test_test_report_problems_need_a_description(client, tester, system_a):
    client.force_login(tester.user)
    response = client.post(_url(system_a), {"result": TestResult.PROBLEMS, "text": "  "})
    assert response.status_code == 200
    assert "Beskriv problemene du fant." in response.content.decode()
    assert not TestReport.objects.exists()


def test_test_report_refused_before_the_system_is_migrated(client, tester, system_a):
    system_a.status = MigrationStatus.IN_PROGRESS
    system_a.save()
    client.force_login(tester.user)
    response = client.post(_url(system_a), {"result": TestResult.OK})
    assert response.status_code == 200
    assert "Bare et migrert system kan testes; BYM-KART er «under migrering»." in response.content.decode()
    assert not TestReport.objects.exists()
    system_a.refresh_from_db()
    assert system_a.status == MigrationStatus.IN_PROGRESS


def test_test_report_refused_for_a_contact_who_is_not_the_tester(client, contact_a, system_a):
    system_a.status = MigrationStatus.MIGRATED
    system_a.save()
    client.force_login(contact_a.user)  # primary contact, not tester
    assert client.post(_url(system_a), {"result": TestResult.OK}).status_code == 404
    system_a.refresh_from_db()
    assert system_a.status == MigrationStatus.MIGRATED


def test_system_list_offers_the_test_link_only_to_the_tester_of_a_migrated_system(
    client, tester, system_a, system_b, contact_b
):
    client.force_login(tester.user)
    page = client.get(reverse("portal:system_list")).content.decode()
    assert _url(system_a) in page
    assert "UDE-SKOLE" not in page
    client.force_login(contact_b.user)
    page = client.get(reverse("portal:system_list")).content.decode()
    assert "UDE-SKOLE" in page
    assert "BYM-KART" not in page
    assert "Registrer testresultat" not in page


@pytest.mark.parametrize("count", [2, 20])
def test_system_list_query_count_does_not_grow(client, tester, agency_a, wave, count, django_assert_max_num_queries):
    from tests.factories import SystemFactory

    for _ in range(count):
        SystemContactFactory(system=SystemFactory(agency=agency_a, wave=wave), contact=tester, role=ContactRole.TESTER)
    client.force_login(tester.user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:system_list"))
    assert response.content.decode().count(">SYS-") == count


def test_test_report_problems_show_on_the_staff_system_page_until_resolved(client, tester, system_a, editor_user):
    client.force_login(tester.user)
    client.post(_url(system_a), {"result": TestResult.PROBLEMS, "text": "Kartet laster ikke <script>alert(1)</script>"})
    client.force_login(editor_user)
    page = client.get(reverse("systems:system_detail", args=[system_a.pk])).content.decode()
    assert "Problemer rapportert av testere" in page
    assert "Anne Andersen:</strong> Kartet laster ikke &lt;script&gt;alert(1)&lt;/script&gt;" in page

    client.force_login(tester.user)
    client.post(_url(system_a), {"result": TestResult.OK, "text": ""})
    client.force_login(editor_user)
    page = client.get(reverse("systems:system_detail", args=[system_a.pk])).content.decode()
    assert "Problemer rapportert av testere" not in page


def test_system_list_shows_the_reported_test_result(client, tester, system_a):
    client.force_login(tester.user)
    client.post(_url(system_a), {"result": TestResult.PROBLEMS, "text": "Kartet laster ikke."})
    page = client.get(reverse("portal:system_list")).content.decode()
    assert "Problemer meldt" in page
    assert _url(system_a) in page  # still migrated: the tester can report again once it is fixed
    client.post(_url(system_a), {"result": TestResult.OK, "text": ""})
    assert "Testet: OK" in client.get(reverse("portal:system_list")).content.decode()
