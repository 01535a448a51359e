"""No 5xx from any input: every URL pattern of the project, with hostile values in its path parameters, its
query string and its form data, as every role (anonymous, contact person, viewer, editor, admin), GET and POST.

The URLs come from the resolver (url_walk.py), so a new page is walked the day it lands. Query and form
parameters are the usual list parameters plus every filter of the view's FilterSet and every field of its form.
Every hostile value reaches every URL, sent in turn by each role the page serves; a role the page refuses
(a login redirect, 403, 405) sends one, since every value stops at the same check. The URLs are walked in
groups (by namespace, the admin's by model), each URL inside a savepoint that is rolled back, so a POST that
deletes a row does not take it from the next URL.
"""

from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import resolve

from .url_walk import all_urls, model_for, url_names

pytestmark = pytest.mark.django_db

#: Values a client can send; each goes into every parameter of one request.
HOSTILE_VALUES = [
    "a\x00b",
    "x" * 5000,
    "-1",
    "99999999999999999999999999",
    "1e309",
    "ÆØÅ 😀 \u202e\ufeff",
    "../../../etc/passwd'\"<script>--;",
    "2026-13-45T25:61:00",
    "",
]
#: For a path segment (quoted as a browser would); an int converter only lets the numbers through.
HOSTILE_SEGMENTS = ["\x00", "x" * 5000, "0", "9223372036854775808", "ÆØÅ 😀 ../'\"<>", "%"]
#: The path values also sent by POST (the rest stop at the same lookup).
POSTED_SEGMENTS = ("\x00", "9223372036854775808")
#: Parameters of every list, sort, pager and language switch, and the names forms and filters commonly use.
COMMON_PARAMS = [
    "per_page",
    "page",
    "sort",
    "q",
    "o",
    "p",
    "e",
    "_export",
    "columns",
    "next",
    "language",
    "email",
    "username",
    "password",
    "pk",
    "id",
    "select_all",
    "action",
    "to",
    "wave",
    "url",
    "_changelist_filters",
    "_popup",
    "_to_field",
]
HOSTILE_HEADERS = ("HTTP_ACCEPT_LANGUAGE", "HTTP_X_REQUEST_ID", "HTTP_X_FORWARDED_FOR", "HTTP_REFERER")
ROLES = ("anonymous", "contact", "viewer", "editor", "admin")


def _param_names(url: str) -> list[str]:
    """The parameters a view reads: the common ones, its FilterSet's filters (with range suffixes),
    its form's fields and its child tables' prefixed pager and sort parameters."""
    view = getattr(resolve(url.split("?")[0]).func, "view_class", None)
    names = set(COMMON_PARAMS)
    filterset = getattr(view, "filterset_class", None)
    if filterset is not None:
        for name in filterset.base_filters:
            names |= {name, f"{name}_after", f"{name}_before", f"{name}_min", f"{name}_max"}
    form_class = getattr(view, "form_class", None)
    if form_class is not None and hasattr(form_class, "base_fields"):
        names |= set(form_class.base_fields)
    for child in getattr(view, "child_tables", []):
        names |= {f"{child.prefix}{name}" for name in ("page", "per_page", "sort")}
    return sorted(names)


def _hostile_paths(url: str) -> list[tuple[str, str]]:
    """(method, path): the URL with each of its path parameters replaced by each hostile segment in turn."""
    path = url.split("?")[0]
    match = resolve(path)
    values = [str(value) for value in (*match.args, *match.kwargs.values()) if str(value)]
    segments = path.split("/")
    requests = []
    for value in values:
        index = next(i for i, segment in enumerate(segments) if value in segment)
        for hostile in HOSTILE_SEGMENTS:
            changed = [*segments]
            changed[index] = segments[index].replace(value, quote(hostile, safe=""))
            methods = ("GET", "POST") if hostile in POSTED_SEGMENTS else ("GET",)
            requests += [(method, "/".join(changed)) for method in methods]
    return requests


def _headers(value: str) -> dict[str, str]:
    printable = value.isprintable() and len(value) < 1000
    return dict.fromkeys(HOSTILE_HEADERS, value) if printable else {}


def _requests(url: str, names: list[str]):
    """(method, path, data, headers) of every hostile request for one URL."""
    path = url.split("?")[0]
    for value in HOSTILE_VALUES:
        for method in ("GET", "POST"):
            yield method, path, dict.fromkeys(names, value), _headers(value)
    arrays = {name: ["1", "\x00", "-1"] for name in names}  # a parameter given three times
    yield "GET", path, arrays, {}
    yield "POST", path, arrays, {}
    for method, hostile_path in _hostile_paths(url):
        yield method, hostile_path, {}, {}


def _send(client: Client, method: str, path: str, data, headers) -> str | None:
    """The request's failure (a 5xx or an exception), or None. Each runs in a savepoint: a database error
    in one request must not hide the answers to the next."""
    try:
        with transaction.atomic():
            response = client.get(path, data, **headers) if method == "GET" else client.post(path, data, **headers)
    except Exception as error:  # noqa: BLE001 - every exception a view lets through is a 500 to the client
        return f"{type(error).__name__}: {str(error)[:200]}"
    if response.status_code >= 500:
        return f"status {response.status_code}"
    return None


def _refused(client: Client, url: str) -> bool:
    """Whether the page turns this role away before its view reads any parameter."""
    with transaction.atomic():
        response = client.get(url)
    if response.status_code == 302:
        return "login" in response["Location"]
    return response.status_code in (401, 403, 405)


@pytest.fixture
def clients(contact_user, viewer_user, editor_user, admin_user) -> dict[str, Client]:
    users = {"anonymous": None, "contact": contact_user, "viewer": viewer_user, "editor": editor_user,
             "admin": admin_user}  # fmt: skip
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    return clients


def _walk_url(url: str, clients: dict[str, Client]) -> list[str]:
    names = _param_names(url)
    served = [role for role, client in clients.items() if not _refused(client, url)]
    failures = []
    for number, (method, path, data, headers) in enumerate(_requests(url, names)):
        # Every request goes out once, from the serving roles in turn; each refused role sends the first few.
        roles = [served[number % len(served)]] if served else []
        roles += [role for role in clients if role not in served and number < 2]
        for role in roles:
            failure = _send(clients[role], method, path, data, headers)
            if failure:
                value = next(iter(data.values()), "")
                failures.append(f"{method} {path[:100]} as {role}, every parameter {str(value)[:20]!r}: {failure}")
    return failures


def _group(name: str) -> str:
    """The URL's namespace; the admin's URLs by model, so the walk spreads over the test workers."""
    namespace = name.split(":")[0] if ":" in name else "-"
    model = model_for(name) if namespace == "admin" else None
    return f"admin:{model._meta.label_lower}" if model else namespace


GROUPS = sorted({_group(name) for name in url_names()})


@pytest.mark.parametrize("group", GROUPS)
def test_no_url_answers_5xx_to_hostile_input(group, everything, clients):
    failures = []
    for name, url in all_urls(everything).items():
        if _group(name) != group:
            continue
        assert url is not None, f"the walk cannot build {name}"
        with transaction.atomic():
            failures += [f"{name}: {failure}" for failure in _walk_url(url, clients)]
            transaction.set_rollback(True)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures[:200])


#: Cookies a client can forge: a quoted value may carry NUL as \\000; the session key reaches the database.
HOSTILE_COOKIES = {"sessionid": ["abcdefgh\x00ijk", "x" * 5000], "csrftoken": ["a\x00b", "x" * 5000],
                   "django_language": ["a\x00b", "x" * 5000, "../../etc"]}  # fmt: skip


@pytest.mark.parametrize("url", ["/", "/portal/", "/systems/", "/accounts/login/", "/finnes-ikke/", "/?q=%00"])
def test_no_page_answers_5xx_to_hostile_cookies(url, db):
    failures = []
    for name, values in HOSTILE_COOKIES.items():
        for value in values:
            client = Client()
            client.cookies[name] = value
            for method in ("GET", "POST"):
                failure = _send(client, method, url, {}, {})
                if failure:
                    failures.append(f"{method} {url} with cookie {name}={value[:12]!r}: {failure}")
    assert failures == []


def test_a_nul_character_is_a_bad_request_with_the_projects_page(viewer_client):
    listed = viewer_client.get("/systems/", {"q": "a\x00b"})
    assert listed.status_code == 400 and listed.templates[0].name == "400.html"
    assert viewer_client.post("/portal/login/", {"email": "a\x00b@example.org"}).status_code == 400
    assert viewer_client.get("/portal/feeds/abcdefghijklmnopqrstu%00/calendar.ics").status_code == 404
