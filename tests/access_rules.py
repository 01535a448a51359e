"""Who may open which URL (docs/architecture.md, "Access"): the table tests/staff/test_access.py checks.

Every *named* URL in a namespace listed in COVERED_NAMESPACES (and every name in COVERED_NAMES) must have a
rule here, or the test fails: a new page cannot be added without saying who may see it.

Other areas register theirs by adding, in their own block at the end of this file:

    COVERED_NAMESPACES.add("notifications")
    ACCESS_RULES.update({"notifications:notice_list": Rule(STAFF_READ), ...})

A rule names the expected status code per role, for GET and POST, and (optionally) which object the URL's
`pk` points at (a key of OBJECT_FACTORIES in tests/staff/test_access.py, or your own callable).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "contact", "viewer", "editor")
LOGIN = "login"  # a redirect to the login page
PORTAL_LOGIN = "portal:login"  # a redirect to the customer portal's login-link page

#: Pages staff read: viewers and editors see them; no POST handler (405).
STAFF_READ = {
    "GET": {"anonymous": LOGIN, "contact": 403, "viewer": 200, "editor": 200},
    "POST": {"anonymous": LOGIN, "contact": 403, "viewer": 405, "editor": 405},
}
#: Forms only editors use: GET shows the form, an empty POST shows it again with errors (200).
STAFF_FORM = {
    "GET": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 200},
    "POST": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 200},
}
#: Delete confirmation: GET lists what goes with it; POST deletes and redirects to the list.
STAFF_DELETE = {
    "GET": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 200},
    "POST": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 302},
}
#: Buttons that change state (POST only): editors are redirected back with a message.
STAFF_ACTION = {
    "GET": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 405},
    "POST": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 302},
}
#: Anyone, logged in or not.
PUBLIC = {
    "GET": {"anonymous": 200, "contact": 200, "viewer": 200, "editor": 200},
}


@dataclass(frozen=True)
class Rule:
    expect: dict[str, dict[str, int | str]]
    obj: str | None = None  # what `pk` points at
    extra_kwargs: dict = field(default_factory=dict)
    query: str = ""  # appended to the URL, e.g. "_export=csv"
    # URL kwargs built per request from the role fixtures: kwargs(users) -> dict, where users maps each
    # role to its User (None for anonymous); for objects that must belong to someone (a contact's notice).
    kwargs: Callable[[dict], dict] | None = None


COVERED_NAMESPACES: set[str] = {"systems", "waves"}
COVERED_NAMES: set[str] = set()


def _crud(app: str, model: str) -> dict[str, Rule]:
    return {
        f"{app}:{model}_list": Rule(STAFF_READ),
        f"{app}:{model}_detail": Rule(STAFF_READ, obj=model),
        f"{app}:{model}_add": Rule(STAFF_FORM),
        f"{app}:{model}_edit": Rule(STAFF_FORM, obj=model),
        f"{app}:{model}_delete": Rule(STAFF_DELETE, obj=model),
    }


ACCESS_RULES: dict[str, Rule] = {
    # --- Staff workspace ---
    "systems:staff_home": Rule(STAFF_READ),
    **_crud("systems", "agency"),
    **_crud("systems", "system"),
    **_crud("systems", "vm"),
    **_crud("systems", "contactperson"),
    **_crud("waves", "wave"),
    "systems:system_bulk": Rule(STAFF_ACTION),
    "systems:vm_bulk": Rule(STAFF_ACTION),
    "systems:system_transition": Rule(STAFF_ACTION, obj="system"),
    "systems:system_assign_wave": Rule(STAFF_ACTION, obj="system"),
    "systems:systemcontact_add": Rule(STAFF_ACTION, obj="system"),
    "systems:systemcontact_delete": Rule(STAFF_ACTION, obj="systemcontact"),
    "systems:vm_transition": Rule(STAFF_ACTION, obj="vm"),
    "waves:wave_set_state": Rule(STAFF_ACTION, obj="wave"),
    # Search boxes of the list filters (JSON).
    "systems:agency_autocomplete": Rule(STAFF_READ),
    "waves:wave_autocomplete": Rule(STAFF_READ),
}

#: Exports of a filtered list: everyone with the export right (viewers and editors), nobody else.
EXPORT_RULES: dict[str, Rule] = {
    f"{name}[{fmt}]": Rule(STAFF_READ, query=f"_export={fmt}")
    for name in (
        "systems:agency_list",
        "systems:system_list",
        "systems:vm_list",
        "systems:contactperson_list",
        "waves:wave_list",
    )
    for fmt in ("csv", "xlsx")
}


# --- Every other URL of the project (fix-9): inventory, notices, portal, dashboard and the plain names ----
# Built per request, so each role asks for a fresh object; imported here to keep the rules in one place.
from django.contrib.auth.models import User  # noqa: E402

from dashboard.models import WeeklySnapshot  # noqa: E402
from systems.models import ContactPerson  # noqa: E402
from tests.factories import ContactPersonFactory, NoticeFactory, SystemContactFactory, SystemFactory  # noqa: E402
from tests.hardening.sample_data import (  # noqa: E402
    build_delivery,
    build_feed_token,
    build_import_job,
    build_login_link,
    build_snapshot,
)


def _contact_of(users: dict) -> ContactPerson:
    return ContactPerson.objects.get(user=users["contact"])


def _own_notice(users: dict) -> dict:
    """A published notice about a system the contact person is the primary contact of."""
    notice = NoticeFactory()
    notice.systems.add(SystemContactFactory(contact=_contact_of(users), role="primary").system)
    return {"pk": notice.pk}


def _other_agency_notice(users: dict) -> dict:
    """A published notice about another agency's system only."""
    notice = NoticeFactory()
    notice.systems.add(SystemContactFactory(contact=ContactPersonFactory(), role="primary").system)
    return {"pk": notice.pk}


def _tested_system(users: dict) -> dict:
    return {"pk": SystemContactFactory(contact=_contact_of(users), role="tester").system.pk}


def _snapshot_week(users: dict) -> dict:
    """A past week with a recorded snapshot (a week without one is a 404)."""
    snapshot = WeeklySnapshot.objects.first() or build_snapshot()
    return {"year": snapshot.iso_year, "week": snapshot.iso_week}


def _import_of(role: str) -> Callable[[dict], dict]:
    def build(users: dict) -> dict:
        return {"pk": build_import_job(created_by=users[role] or User.objects.create(username="opplaster")).pk}

    return build


#: Read-only pages of the customer portal: contact persons and all staff (docs/architecture.md, "Access").
PORTAL_READ = {
    "GET": {"anonymous": PORTAL_LOGIN, "contact": 200, "viewer": 200, "editor": 200},
}
#: The contact person's own pages (tests, subscriptions): staff are not contact persons, so 403.
PORTAL_CONTACT_FORM = {
    "GET": {"anonymous": PORTAL_LOGIN, "contact": 200, "viewer": 403, "editor": 403},
    "POST": {"anonymous": PORTAL_LOGIN, "contact": 200, "viewer": 403, "editor": 403},
}
#: A contact person's buttons (acknowledge, new feed address): POST only, so GET is 405 for everyone.
PORTAL_CONTACT_ACTION = {
    "GET": {"anonymous": 405, "contact": 405, "viewer": 405, "editor": 405},
    "POST": {"anonymous": PORTAL_LOGIN, "contact": 302, "viewer": 403, "editor": 403},
}
#: The portal's staff overviews: as STAFF_READ, but a POST is refused (405) whoever sends it.
PORTAL_STAFF_READ = {"GET": STAFF_READ["GET"], "POST": dict.fromkeys(ROLES, 405)}
#: Pages of the import only editors use (the preview, its progress): nothing to POST.
IMPORT_PAGE = {
    "GET": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 200},
    "POST": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 405},
}
#: Public pages that only answer GET/HEAD (the dashboard and its data).
PUBLIC_GET_ONLY = {
    "GET": PUBLIC["GET"],
    "POST": {"anonymous": 405, "contact": 405, "viewer": 405, "editor": 405},
}
#: Not found for everybody (an unknown token, a feature switched off).
NOT_FOUND = {"GET": {"anonymous": 404, "contact": 404, "viewer": 404, "editor": 404}}

COVERED_NAMESPACES |= {"inventory", "notifications", "portal", "dashboard"}
COVERED_NAMES |= {
    "home",
    "healthz",
    "readyz",
    "accessibility",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "oidc_authentication_init",
    "oidc_authentication_callback",
}

ACCESS_RULES.update(
    {
        # --- Inventory import and export: import for editors, export for all staff ---
        "inventory:import": Rule(STAFF_FORM),
        "inventory:import_job": Rule(IMPORT_PAGE, kwargs=_import_of("editor")),
        "inventory:import_progress": Rule(IMPORT_PAGE, kwargs=_import_of("editor")),
        "inventory:import_confirm": Rule(STAFF_ACTION, kwargs=_import_of("editor")),
        "inventory:export": Rule(STAFF_READ),
        "inventory:export_csv": Rule(STAFF_READ, extra_kwargs={"kind": "systems"}),
        "inventory:export_file": Rule(STAFF_READ, extra_kwargs={"fmt": "xlsx"}),
        # --- Downtime notices, staff side ---
        "notifications:notice_list": Rule(STAFF_READ),
        "notifications:notice_detail": Rule(STAFF_READ, kwargs=lambda users: {"pk": NoticeFactory().pk}),
        # An empty form is valid here: "both empty" means "use the template", so the editor is sent back (302).
        "notifications:notice_edit": Rule(
            {"GET": STAFF_FORM["GET"], "POST": {**STAFF_FORM["POST"], "editor": 302}},
            kwargs=lambda users: {"pk": NoticeFactory(state="scheduled", published_at=None).pk},
        ),
        "notifications:notice_publish": Rule(
            STAFF_ACTION, kwargs=lambda users: {"pk": NoticeFactory(state="scheduled", published_at=None).pk}
        ),
        "notifications:delivery_list": Rule(STAFF_READ),
        "notifications:delivery_retry": Rule(STAFF_ACTION, kwargs=lambda users: {"pk": build_delivery().pk}),
        "notifications:webhook_enable": Rule(STAFF_ACTION),
        "notifications:webhook_disable": Rule(STAFF_ACTION),
        # --- Customer portal ---
        "portal:login": Rule({"GET": PUBLIC["GET"], "POST": PUBLIC["GET"]}),  # an empty POST shows the form again
        "portal:login_sent": Rule(PUBLIC),
        "portal:login_link": Rule(
            PUBLIC, kwargs=lambda users: (lambda link: {"pk": link.pk, "secret": link.secret})(build_login_link())
        ),
        "portal:notice_list": Rule(PORTAL_READ),
        "portal:notice_detail": Rule(PORTAL_READ, kwargs=_own_notice),
        "portal:notice_acknowledge": Rule(PORTAL_CONTACT_ACTION, kwargs=_own_notice),
        "portal:notice_unacknowledge": Rule(PORTAL_CONTACT_ACTION, kwargs=_own_notice),
        "portal:system_list": Rule(PORTAL_READ),
        "portal:system_test": Rule(PORTAL_CONTACT_FORM, kwargs=_tested_system),
        "portal:subscriptions": Rule({"GET": PORTAL_CONTACT_FORM["GET"]}),
        "portal:subscriptions_regenerate": Rule(PORTAL_CONTACT_ACTION),
        # The feeds' token is the credential (calendar apps cannot log in): whoever holds it reads the feed.
        "portal:calendar_feed": Rule(PUBLIC, kwargs=lambda users: {"token": build_feed_token().key}),
        "portal:atom_feed": Rule(PUBLIC, kwargs=lambda users: {"token": build_feed_token().key}),
        # The portal's staff overviews refuse any POST (require_safe) before asking who is logged in.
        "portal:staff_acknowledgement_list": Rule(STAFF_READ),  # a staff list like the others: access first
        "portal:staff_acknowledgement_detail": Rule(PORTAL_STAFF_READ, kwargs=lambda users: {"pk": NoticeFactory().pk}),
        "portal:staff_escalations": Rule(STAFF_READ),
        # --- Public dashboard ---
        "home": Rule(PUBLIC_GET_ONLY),
        "dashboard:week": Rule(PUBLIC_GET_ONLY, kwargs=_snapshot_week),
        "dashboard:json": Rule(PUBLIC_GET_ONLY),
        "dashboard:week_json": Rule(PUBLIC_GET_ONLY, kwargs=_snapshot_week),
        "dashboard:png": Rule(PUBLIC_GET_ONLY),
        "dashboard:history_csv": Rule(PUBLIC_GET_ONLY),
        # The language switch only acts on POST; a same-site POST without a choice goes back (302).
        "dashboard:set_language": Rule({"GET": dict.fromkeys(ROLES, 405), "POST": dict.fromkeys(ROLES, 302)}),
        # --- Plain names: probes, login, password reset, accessibility statement (issues 3 and 8) ---
        "healthz": Rule(PUBLIC),
        "readyz": Rule(PUBLIC),
        "accessibility": Rule(PUBLIC),
        "login": Rule(PUBLIC),
        "logout": Rule(
            {"GET": dict.fromkeys(ROLES, 405), "POST": dict.fromkeys(ROLES, 302)}  # POST only, then to the login page
        ),
        "password_reset": Rule(PUBLIC),
        "password_reset_done": Rule(PUBLIC),
        "password_reset_confirm": Rule(PUBLIC, extra_kwargs={"uidb64": "MQ", "token": "not-a-valid-token"}),
        "password_reset_complete": Rule(PUBLIC),
        "set_language": Rule({"POST": dict.fromkeys(ROLES, 302)}),
        # Single sign-on is off unless OIDC_* is configured (ops/oidc.py): the URLs exist but answer 404.
        "oidc_authentication_init": Rule(NOT_FOUND),
        "oidc_authentication_callback": Rule(NOT_FOUND),
    }
)

#: The same URL with an object that is not the user's: docs/architecture.md, "no IDOR" (404, not 403, not 200).
VARIANT_RULES: dict[str, Rule] = {
    "portal:notice_detail[another agency's notice]": Rule(
        {"GET": {"anonymous": PORTAL_LOGIN, "contact": 404, "viewer": 200, "editor": 200}},
        kwargs=_other_agency_notice,
    ),
    "portal:notice_acknowledge[another agency's notice]": Rule(
        {"POST": {"anonymous": PORTAL_LOGIN, "contact": 404, "viewer": 403, "editor": 403}},
        kwargs=_other_agency_notice,
    ),
    "portal:system_test[a system the contact does not test]": Rule(
        {"GET": {"anonymous": PORTAL_LOGIN, "contact": 404, "viewer": 403, "editor": 403}},
        kwargs=lambda users: {"pk": SystemFactory().pk},
    ),
    "inventory:import_job[another editor's import]": Rule(
        {"GET": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 404}},
        kwargs=lambda users: {"pk": build_import_job().pk},
    ),
    "inventory:import_confirm[another editor's import]": Rule(
        {"POST": {"anonymous": LOGIN, "contact": 403, "viewer": 403, "editor": 404}},
        kwargs=lambda users: {"pk": build_import_job().pk},
    ),
    "portal:atom_feed[unknown token]": Rule(NOT_FOUND, extra_kwargs={"token": "x" * 43}),
    "portal:calendar_feed[unknown token]": Rule(NOT_FOUND, extra_kwargs={"token": "x" * 43}),
}


# --- Wave planning ---
from django.core import signing  # noqa: E402

from planning.models import BlackoutPeriod, Proposal, TesterCapacity  # noqa: E402
from planning.views import CALENDAR_SALT  # noqa: E402
from tests.factories import AgencyFactory, WaveFactory  # noqa: E402


def _proposal(users: dict) -> dict:
    return {"pk": Proposal.objects.create(time_limit_seconds=1, state="ready", result={"moves": [], "slots": {}}).pk}


def _blackout(users: dict) -> dict:
    import datetime

    return {
        "pk": BlackoutPeriod.objects.create(
            name="Fellesferie", start=datetime.date(2027, 7, 5), end=datetime.date(2027, 7, 30)
        ).pk
    }


def _capacity(users: dict) -> dict:
    return {"pk": TesterCapacity.objects.create(agency=AgencyFactory(), wave=WaveFactory(), capacity=3).pk}


COVERED_NAMESPACES |= {"planning"}
ACCESS_RULES.update(
    {
        "planning:home": Rule(STAFF_READ),
        "planning:proposal_add": Rule(STAFF_ACTION),
        "planning:proposal_detail": Rule(STAFF_READ, kwargs=_proposal),
        "planning:proposal_progress": Rule(STAFF_READ, kwargs=_proposal),
        "planning:proposal_accept": Rule(STAFF_ACTION, kwargs=_proposal),
        "planning:move_groups": Rule(STAFF_READ),
        "planning:move_group_assign": Rule(STAFF_ACTION, obj="system"),
        "planning:coverage_systems": Rule(STAFF_READ),
        "planning:coverage_contacts": Rule(STAFF_READ),
        "planning:blackoutperiod_list": Rule(STAFF_READ),
        "planning:blackoutperiod_add": Rule(STAFF_FORM),
        "planning:blackoutperiod_edit": Rule(STAFF_FORM, kwargs=_blackout),
        "planning:blackoutperiod_delete": Rule(STAFF_DELETE, kwargs=_blackout),
        "planning:testercapacity_list": Rule(STAFF_READ),
        "planning:testercapacity_add": Rule(STAFF_FORM),
        "planning:testercapacity_edit": Rule(STAFF_FORM, kwargs=_capacity),
        "planning:testercapacity_delete": Rule(STAFF_DELETE, kwargs=_capacity),
        "planning:calendar": Rule(STAFF_READ),
        "planning:calendar_feed": Rule(
            PUBLIC, kwargs=lambda users: {"token": signing.dumps(users["viewer"].pk, salt=CALENDAR_SALT)}
        ),
    }
)


# --- REST API (api/): the browsable API with a staff session; tokens are checked in tests/api/ ---------------
# 401 without a login (the API answers, it does not redirect); a contact person is refused; viewers read;
# editors write (an empty body is a 400 with the field errors); a method a URL does not take is 405.
from tests.factories import AcknowledgementFactory, VMFactory  # noqa: E402

API_UNAUTHENTICATED = 401
API_LIST = {
    "GET": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 200, "editor": 200},
    "POST": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 400},
}
API_DETAIL = {
    "GET": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 200, "editor": 200},
    "POST": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 405},
}
API_READ_ONLY = {
    "GET": API_DETAIL["GET"],
    "POST": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 403},
}
API_ACTION = {
    "GET": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 405, "editor": 405},
    "POST": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 400},
}

#: A contact person's own notices and confirmations (staff are no contact persons: 403).
API_CONTACT = {"GET": {"anonymous": API_UNAUTHENTICATED, "contact": 200, "viewer": 403, "editor": 403}}


def _key(factory, field: str):
    return lambda users: {"key": getattr(factory(), field)}


def _own_token(users: dict) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from api.services import apitoken_create

    expires = timezone.now() + timedelta(days=1)
    return {"pk": apitoken_create(user=users["editor"], name="t", expires_at=expires)[0].pk}


COVERED_NAMESPACES.add("api")
ACCESS_RULES.update(
    {
        "api:agency-list": Rule(API_LIST),
        "api:agency-detail": Rule(API_DETAIL, kwargs=_key(AgencyFactory, "code")),
        "api:system-list": Rule(API_LIST),
        "api:system-detail": Rule(API_DETAIL, kwargs=_key(SystemFactory, "code")),
        "api:system-transition": Rule(API_ACTION, kwargs=_key(SystemFactory, "code")),
        "api:system-bulk-transition": Rule(API_ACTION),
        "api:vm-list": Rule(API_LIST),
        "api:vm-detail": Rule(API_DETAIL, kwargs=_key(VMFactory, "hostname")),
        "api:vm-transition": Rule(API_ACTION, kwargs=_key(VMFactory, "hostname")),
        "api:contactperson-list": Rule(API_LIST),
        "api:contactperson-detail": Rule(API_DETAIL, kwargs=_key(ContactPersonFactory, "email")),
        "api:systemcontact-list": Rule(API_LIST),
        "api:systemcontact-detail": Rule(API_DETAIL, kwargs=lambda users: {"pk": SystemContactFactory().pk}),
        "api:wave-list": Rule(API_LIST),
        "api:wave-detail": Rule(API_DETAIL, kwargs=_key(WaveFactory, "name")),
        "api:wave-state": Rule(API_ACTION, kwargs=_key(WaveFactory, "name")),
        "api:notice-list": Rule(API_READ_ONLY),
        "api:notice-detail": Rule(API_READ_ONLY, kwargs=lambda users: {"pk": NoticeFactory().pk}),
        "api:delivery-list": Rule(API_READ_ONLY),
        "api:delivery-detail": Rule(API_READ_ONLY, kwargs=lambda users: {"pk": build_delivery().pk}),
        # a failed delivery is sent again (200)
        "api:delivery-retry": Rule(
            {
                "GET": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 405},
                "POST": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 200},
            },
            kwargs=lambda users: {"pk": build_delivery().pk},
        ),
        "api:acknowledgement-list": Rule(API_READ_ONLY),
        "api:acknowledgement-detail": Rule(API_READ_ONLY, kwargs=lambda users: {"pk": AcknowledgementFactory().pk}),
        # an empty upsert imports nothing (200); viewers have no import right
        "api:inventory_upsert": Rule(
            {
                "GET": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 405},
                "POST": {"anonymous": API_UNAUTHENTICATED, "contact": 403, "viewer": 403, "editor": 200},
            }
        ),
        "api:my-notice-list": Rule(API_CONTACT),
        "api:my-notice-detail": Rule(API_CONTACT, kwargs=_own_notice),
        "api:my-acknowledgement-list": Rule(API_CONTACT),
        "api:my-acknowledgement-detail": Rule(
            API_CONTACT,
            kwargs=lambda users: {"pk": AcknowledgementFactory(contact=_contact_of(users)).pk},
        ),
        "api:dashboard": Rule(PUBLIC),
        "api:schema": Rule(PUBLIC),
        "api:docs": Rule(PUBLIC),
        "api:token_list": Rule(
            STAFF_READ | {"POST": {"anonymous": LOGIN, "contact": 403, "viewer": 200, "editor": 200}}
        ),
        "api:token_revoke": Rule(
            {
                "GET": {"anonymous": LOGIN, "contact": 403, "viewer": 405, "editor": 405},
                "POST": {"anonymous": LOGIN, "contact": 403, "viewer": 404, "editor": 302},  # only one's own token
            },
            kwargs=_own_token,
        ),
    }
)
