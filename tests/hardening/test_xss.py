"""An XSS corpus stored in every free-text field must render inert on every surface that shows it.

A surface is (model, how to get the output, who looks, kind of output). To cover a new page after a
merge, add a Surface to SURFACES, e.g.
    Surface("staff system detail", System, lambda obj: reverse("systems:system_detail", args=[obj.pk]),
            "viewer_client")
    Surface("notice feed", Notice, lambda obj: feed_url_for(obj), "client", kind="xml")
    Surface("notice e-mail", Notice, kind="email", fetch=lambda client, obj: send_and_return_message(obj))
    Surface("notice calendar", Notice, kind="ics", fetch=lambda client, obj: client.get(ics_url(obj)).content)
and, for a new model, a builder in sample_data.MODEL_BUILDERS. `test_every_free_text_field_has_a_surface`
fails until every CharField/TextField of every model of ours is shown somewhere in the corpus.
"""

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import icalendar
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.cache import caches
from django.db import models
from django.urls import reverse
from django.utils import timezone

from notifications.messages import build_email
from notifications.models import Delivery, Notice, WebhookEndpoint
from notifications.transports import transport_for
from portal.emails import ack_reminder_email, problems_found_email
from portal.models import AckReminder, FeedToken, TestReport
from systems.inventory.models import ImportFile, ImportJob
from systems.models import VM, Agency, ContactPerson, System
from tests.factories import NoticeFactory, SystemContactFactory, SystemFactory
from waves.models import Wave

from .html_checks import dangerous_urls, live_code, parse
from .sample_data import MODEL_BUILDERS, build_delivery

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>x()</script>",  # fits a 20-character code field
    '"><b onclick=x()>',  # breaks out of a double-quoted attribute
    "' onfocus='x()",  # ... of a single-quoted one
    "javascript:x()",  # a URL that runs script if it ever lands in href/src
    "<img src=x onerror=alert(1)>",
    "</textarea></title><svg onload=alert(1)>",  # leaves a textarea/title, then injects
    "{{ 7|add:7 }}{% now 'Y' %}",  # template injection: must come out literally
]
# Line breaks that would start a new calendar component if a feed wrote them unfolded and unescaped.
ICS_PAYLOADS = ["x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected", "a;b,c\\n:d"]
OUR_APPS = ["systems", "waves", "notifications", "dashboard", "portal", "ops", "inventory"]


@dataclass(frozen=True)
class Surface:
    name: str
    model: type[models.Model]
    url: Callable[[models.Model], str] | None = None  # GET this URL (status 200 expected) ...
    client: str = "admin_client"
    kind: str = "html"  # "html", "xml" (Atom/RSS), "email" (an EmailMessage) or "ics" (iCalendar)
    # Fields the surface must visibly show (the payload must be found there, so the test cannot pass
    # by showing nothing); None = every free-text field of the model.
    shows: tuple[str, ...] | None = None
    # ... or produce the output some other way: fetch(request, client, obj) -> str | bytes | EmailMessage
    # (`request` is pytest's, for other fixtures).
    fetch: Callable | None = None


# Character fields that hold secrets or machine values, never text a person typed.
NOT_FREE_TEXT = {"portal.FeedToken.key", "portal.LoginLink.nonce", "inventory.ImportJob.language"}


def free_text_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and f.concrete
        and not f.auto_created
        and f"{model._meta.label}.{f.name}" not in NOT_FREE_TEXT
    ]


def _admin_surfaces() -> list[Surface]:
    surfaces = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS or not free_text_fields(model):
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        list_fields = tuple(name for name in model_admin.list_display if name in free_text_fields(model))
        surfaces += [
            Surface(f"admin list {model.__name__}", model, lambda obj, p=prefix: reverse(f"{p}_changelist"),
                    shows=list_fields),
            Surface(f"admin change {model.__name__}", model,
                    lambda obj, p=prefix: reverse(f"{p}_change", args=[obj.pk])),
            Surface(f"admin history {model.__name__}", model,
                    lambda obj, p=prefix: reverse(f"{p}_history", args=[obj.pk]), shows=()),
            Surface(f"admin delete {model.__name__}", model,
                    lambda obj, p=prefix: reverse(f"{p}_delete", args=[obj.pk]), shows=()),
        ]  # fmt: skip
    return surfaces


# --- Customer portal and public dashboard: the viewer must be related to the row, so fetch links them ---
def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _contact(request):
    return request.getfixturevalue("contact_person")


def _link_system(request, system, role="primary"):
    SystemContactFactory(system=system, contact=_contact(request), role=role)
    return system


def _notice_for_contact(request, notice):
    notice.systems.add(_link_system(request, SystemFactory()))
    return notice


def _feed_key(request) -> str:
    return FeedToken.objects.get_or_create(contact=_contact(request))[0].key


def _portal_notice(url_name):
    def fetch(request, client, notice):
        _notice_for_contact(request, notice)
        url = reverse(url_name, kwargs={"pk": notice.pk}) if "detail" in url_name else reverse(url_name)
        return _get(client, url)

    return fetch


def _feed(kind):
    def fetch(request, client, notice):
        _notice_for_contact(request, notice)
        name = "portal:atom_feed" if kind == "xml" else "portal:calendar_feed"
        return client.get(reverse(name, kwargs={"token": _feed_key(request)})).content.decode()

    return fetch


def _portal_system_list(request, client, system):
    _link_system(request, system)
    return _get(client, reverse("portal:system_list"))


def _portal_test_page(request, client, report):
    _link_system(request, report.system, role="tester")
    return _get(client, reverse("portal:system_test", kwargs={"pk": report.system_id}))


def _dashboard(request, client, wave):
    wave.state = "confirmed"
    wave.window_start = timezone.now() + timedelta(days=7)
    wave.window_end = wave.window_start + timedelta(hours=5)
    wave.save()
    caches["dashboard"].clear()
    return _get(client, reverse("home"))


def _test_problem_mail(request, client, report):
    return problems_found_email(Delivery(kind="test_problem", reference=report.pk))


def _ack_reminder_mail(request, client, notice):
    reminder = AckReminder.objects.create(notice=notice, contact=_contact(request))
    return ack_reminder_email(Delivery(kind="ack_reminder", reference=reminder.pk))


# --- Staff workspace: list, detail and edit form of each model, and /staff/ ---
def _staff_pages(app: str, model, *, list_shows: tuple[str, ...]) -> list[Surface]:
    name = model._meta.model_name
    return [
        Surface(f"staff {name} list", model, lambda obj, n=f"{app}:{name}_list": reverse(n), "viewer_client",
                shows=list_shows),
        Surface(f"staff {name} detail", model,
                lambda obj, n=f"{app}:{name}_detail": reverse(n, args=[obj.pk]), "viewer_client"),
        Surface(f"staff {name} form", model,
                lambda obj, n=f"{app}:{name}_edit": reverse(n, args=[obj.pk]), "editor_client"),
    ]  # fmt: skip


# --- Downtime notices: staff pages, the e-mail and the webhook body ---
def _edited(notice: Notice) -> Notice:
    """Staff's own text (not the template), so the payload is what the notice says."""
    notice.text_edited = True
    notice.save(update_fields=["text_edited"])
    return notice


def _notice_page(url_name: str):
    def fetch(request, client, notice):
        _edited(notice)
        url = reverse(url_name, kwargs={"pk": notice.pk}) if url_name.endswith("detail") else reverse(url_name)
        return _get(client, url)

    return fetch


def _notice_list(request, client, wave):
    """The timeline names each notice by its wave."""
    notice = NoticeFactory(wave=wave)
    html = _get(client, reverse("notifications:notice_list"))
    notice.delete()  # the wave is deleted after each payload; a notice protects its wave
    return html


def _delivery_page(url_name: str):
    def fetch(request, client, delivery):
        url = reverse(url_name, kwargs={"pk": delivery.notice_id}) if url_name.endswith("detail") else reverse(url_name)
        return _get(client, url)

    return fetch


def _notice_email(request, client, notice):
    """The real message of an e-mail delivery (render_email's text and HTML, subject, headers)."""
    message = build_email(build_delivery(notice=_edited(notice), channel="email", state="pending", attempts=0))
    assert "\n" not in message.subject and "\r" not in message.subject, "the subject carries a line break"
    return message


def _webhook_body(request, client, notice):
    """The JSON the webhook transport really POSTs (received by pytest-httpserver)."""
    httpserver = request.getfixturevalue("httpserver")
    request.getfixturevalue("settings").PORTAL_WEBHOOK_SECRET = "whsec_" + "A" * 32
    httpserver.clear()
    httpserver.expect_request("/hooks/notices", method="POST").respond_with_data("ok")
    delivery = build_delivery(notice=_edited(notice), channel="portal_webhook", state="pending", attempts=0,
                              recipient=httpserver.url_for("/hooks/notices"))  # fmt: skip
    transport_for(delivery.channel).send(delivery)
    (received, _response), *_ = httpserver.log
    return received.get_data(as_text=True)


def _assert_inert_json(body, payload: str, must_show: bool) -> None:
    """JSON carries text as text: the body parses, and the payload comes back exactly as a string value."""
    import json

    def strings(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    data = json.loads(body)
    if must_show:
        assert payload in list(strings(data)), "payload not carried as a string value"


# --- Inventory import: the preview page shows the uploaded files' names and failures ---
def _import_page(request, client, obj):
    job = obj if isinstance(obj, ImportJob) else obj.job
    job.created_by = request.getfixturevalue("editor_user")  # an import is only its uploader's to see
    job.save(update_fields=["created_by"])
    return _get(client, reverse("inventory:import_job", kwargs={"pk": job.pk}))


SURFACES: list[Surface] = _admin_surfaces() + [
    Surface("portal notice list", Notice, client="contact_client", shows=("title",),
            fetch=_portal_notice("portal:notice_list")),
    Surface("portal notice detail", Notice, client="contact_client", fetch=_portal_notice("portal:notice_detail")),
    Surface("portal Atom feed", Notice, client="client", kind="xml", shows=("title",), fetch=_feed("xml")),
    Surface("portal calendar feed", Notice, client="client", kind="ics", shows=("title", "body"),
            fetch=_feed("ics")),
    Surface("portal staff acknowledgements", Notice, client="editor_client", shows=("title",),
            url=lambda notice: reverse("portal:staff_acknowledgement_detail", kwargs={"pk": notice.pk})),
    Surface("portal my systems", System, client="contact_client", shows=("code", "name"),
            fetch=_portal_system_list),
    Surface("portal test page", TestReport, client="contact_client", fetch=_portal_test_page),
    Surface("test problem e-mail", TestReport, kind="email", fetch=_test_problem_mail),
    Surface("acknowledgement reminder e-mail", Notice, kind="email", shows=("title",), fetch=_ack_reminder_mail),
    Surface("public dashboard", Wave, client="client", shows=("name",), fetch=_dashboard),
    # Staff workspace.
    *_staff_pages("systems", Agency, list_shows=("code", "name")),
    *_staff_pages("systems", System, list_shows=("code", "name")),
    *_staff_pages("systems", VM, list_shows=("hostname", "os")),
    *_staff_pages("systems", ContactPerson, list_shows=("name", "email", "phone")),
    *_staff_pages("waves", Wave, list_shows=("name",)),
    Surface("staff home", System, lambda obj: reverse("systems:staff_home"), "viewer_client", shows=()),
    Surface("staff home waves", Wave, lambda obj: reverse("systems:staff_home"), "viewer_client", shows=()),
    # Inventory import; the upload itself is test_import_preview_shows_uploaded_payloads_inert.
    Surface("import preview failure", ImportJob, client="editor_client", fetch=_import_page),
    Surface("import preview file", ImportFile, client="editor_client", shows=(), fetch=_import_page),
    # Downtime notices.
    Surface("staff notice list", Wave, client="viewer_client", shows=("name",), fetch=_notice_list),
    Surface("staff notice detail", Notice, client="viewer_client",
            fetch=_notice_page("notifications:notice_detail")),
    Surface("staff notice deliveries", Delivery, client="viewer_client", shows=("recipient",),
            fetch=_delivery_page("notifications:notice_detail")),
    Surface("staff delivery list", Delivery, client="viewer_client",
            fetch=_delivery_page("notifications:delivery_list")),
    Surface("staff delivery list webhooks", WebhookEndpoint, lambda obj: reverse("notifications:delivery_list"),
            "viewer_client", shows=("url",)),
    Surface("notice e-mail", Notice, kind="email", fetch=_notice_email),
    Surface("notice webhook body", Notice, kind="json", fetch=_webhook_body),
]  # fmt: skip


def _cases():
    for surface in SURFACES:
        for name in free_text_fields(surface.model):
            yield pytest.param(surface, name, id=f"{surface.name}.{name}")


def _fits(model, name: str, payload: str) -> bool:
    max_length = model._meta.get_field(name).max_length
    return max_length is None or len(payload) <= max_length


def _assert_inert_html(html: str, payload: str, must_show: bool) -> None:
    assert live_code(html) == [], "markup from the payload became live code"
    assert dangerous_urls(html) == [], "the payload became a script URL"
    assert not [t for t, a in parse(html).tags if t in ("svg", "img") and a.get("src") == "x"]
    if must_show:
        page = parse(html)
        attributes = [value for _tag, attrs in page.tags for value in attrs.values()]
        assert any(payload in text for text in page.text) or payload in attributes, "payload not shown"


def _assert_inert_xml(body, payload: str, must_show: bool) -> None:
    root = ET.fromstring(body)  # noqa: S314 - our own output; unescaped markup would make this fail or add elements
    assert not [element.tag for element in root.iter() if element.tag.rsplit("}", 1)[-1] in ("script", "img", "svg")]
    if must_show:
        assert any(payload in (element.text or "") for element in root.iter()), "payload not shown"


def _assert_inert_email(message, payload: str, must_show: bool) -> None:
    """Plain text shows the payload as typed; an HTML alternative must be as inert as a page."""
    if must_show:
        assert payload in message.body, "payload not in the plain-text body"
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            _assert_inert_html(content, payload, must_show)
    for name, value in message.extra_headers.items():
        assert "\n" not in value and "\r" not in value, f"header {name} carries a line break"


def _assert_inert_ics(body, payload: str, must_show: bool) -> None:
    calendar = icalendar.Calendar.from_ical(body)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert not [c.name for c in calendar.walk() if c.name not in {"VCALENDAR", "VEVENT", "VTIMEZONE", "STANDARD",
                                                                 "DAYLIGHT", "VALARM"}]  # fmt: skip
    assert not [e for e in events if str(e.get("SUMMARY", "")) == "injected"], "the payload started a new event"
    if must_show:
        texts = [str(e.get(name, "")) for e in events for name in ("SUMMARY", "DESCRIPTION", "LOCATION")]
        shown = payload.replace("\r\n", "\n")  # iCalendar text has one kind of line break
        assert any(shown in text for text in texts), "payload not shown"


CHECKERS = {"html": _assert_inert_html, "xml": _assert_inert_xml, "email": _assert_inert_email,
            "ics": _assert_inert_ics, "json": _assert_inert_json}  # fmt: skip


def _output(surface: Surface, request, client, obj):
    if surface.fetch is not None:
        return surface.fetch(request, client, obj)
    response = client.get(surface.url(obj))
    assert response.status_code == 200, (surface.name, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize(("surface", "field_name"), list(_cases()))
def test_xss_payload_in_field_renders_inert(request, surface, field_name):
    client = request.getfixturevalue(surface.client)
    must_show = surface.shows is None or field_name in surface.shows
    tried = 0
    for payload in PAYLOADS + (ICS_PAYLOADS if surface.kind == "ics" else []):
        if not _fits(surface.model, field_name, payload):
            continue
        obj = MODEL_BUILDERS[surface.model](**{field_name: payload})
        CHECKERS[surface.kind](_output(surface, request, client, obj), payload, must_show)
        obj.delete()
        tried += 1
    assert tried >= 4, f"{field_name} is too short for most payloads"


def test_every_free_text_field_has_a_surface():
    """A free-text field nobody checks is where the next XSS hides: every one needs a surface."""
    covered = {(s.model, name) for s in SURFACES for name in free_text_fields(s.model)}
    missing = [
        f"{model._meta.label}.{name}"
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
        for name in free_text_fields(model)
        if (model, name) not in covered
    ]
    assert not missing, f"add a Surface (and a builder in sample_data) for {missing}"


def test_every_model_of_ours_has_a_builder():
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and not m.__name__.startswith("Historical")]
    assert [m._meta.label for m in ours if m not in MODEL_BUILDERS] == []


# --- The checkers themselves catch what they are for (so a surface added later is really checked) ------
def _ics(summary: str, raw: bool = False) -> bytes:
    if raw:  # what a hand-written feed that forgets escaping would produce
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", f"SUMMARY:{summary}", "END:VEVENT", "END:VCALENDAR"]
        return ("\r\n".join(lines) + "\r\n").encode()
    calendar, event = icalendar.Calendar(), icalendar.Event()
    calendar.add("version", "2.0")
    event.add("summary", summary)
    calendar.add_component(event)
    return calendar.to_ical()


@pytest.mark.parametrize("payload", ICS_PAYLOADS)
def test_ics_checker_accepts_escaped_output_and_catches_injection(payload):
    _assert_inert_ics(_ics(payload), payload, must_show=True)
    if "BEGIN:VEVENT" in payload:
        with pytest.raises(AssertionError):
            _assert_inert_ics(_ics(payload, raw=True), payload, must_show=True)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_email_and_xml_checkers_accept_escaped_output_and_catch_raw_markup(payload):
    from xml.sax.saxutils import escape

    from django.core.mail import EmailMultiAlternatives
    from django.utils.html import escape as html_escape

    safe = EmailMultiAlternatives("Varsel", f"Tekst: {payload}", to=["a@kommune.example"])
    safe.attach_alternative(f"<p>{html_escape(payload)}</p>", "text/html")
    _assert_inert_email(safe, payload, must_show=True)
    _assert_inert_xml(f"<feed><title>{escape(payload)}</title></feed>", payload, must_show=True)
    if "<" in payload:
        raw = EmailMultiAlternatives("Varsel", payload, to=["a@kommune.example"])
        raw.attach_alternative(f"<p>{payload}</p>", "text/html")
        with pytest.raises(AssertionError):
            _assert_inert_email(raw, payload, must_show=True)
        with pytest.raises((AssertionError, ET.ParseError)):
            _assert_inert_xml(f"<feed><title>{payload}</title></feed>", payload, must_show=True)


# --- The import preview shows what an uploaded file says: cells, headers and the errors that quote them ---
def _systems_csv(payload: str) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["code", "name", "agency", "environment", "wave", "description", payload]
    )  # an unknown column warns
    writer.writerow(
        ["SYS-XSS", payload, "AG-UKJENT", "production", payload, payload, payload]
    )  # an unknown wave is an error
    return out.getvalue().encode()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_import_preview_shows_uploaded_payloads_inert(editor_client, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("systems.csv", _systems_csv(payload), content_type="text/csv")
    response = editor_client.post(reverse("inventory:import"), {"files": [upload]}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert ImportJob.objects.get().preview["error_count"] > 0  # the preview is the page under test
    _assert_inert_html(html, payload, must_show=True)
    errors = [text for text in parse(html).text if payload in text]
    assert errors, "the error quoting the unknown wave does not show the payload"
