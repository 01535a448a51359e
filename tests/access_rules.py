"""Who may open which URL (DESIGN §6): the table the access-matrix test (tests/staff/test_access.py) checks.

Every *named* URL in a namespace listed in COVERED_NAMESPACES (and every name in COVERED_NAMES) must have a
rule here, or the test fails: a new page cannot be added without saying who may see it.

Other areas register theirs by adding, in their own block at the end of this file:

    COVERED_NAMESPACES.add("notifications")
    ACCESS_RULES.update({"notifications:notice_list": Rule(STAFF_READ), ...})

A rule names the expected status code per role, for GET and POST, and (optionally) which object the URL's
`pk` points at (a key of OBJECT_FACTORIES in tests/staff/test_access.py, or your own callable).
"""

from dataclasses import dataclass, field

ROLES = ("anonymous", "contact", "viewer", "editor")
LOGIN = "login"  # a redirect to the login page

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
    # --- Staff workspace (issue 3) ---
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
