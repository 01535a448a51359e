"""The access matrix of docs/architecture.md: every staff URL × role × GET/POST, from tests/access_rules.py."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_rules import (
    ACCESS_RULES,
    COVERED_NAMES,
    COVERED_NAMESPACES,
    EXPORT_RULES,
    LOGIN,
    PORTAL_LOGIN,
    ROLES,
    VARIANT_RULES,
)
from tests.factories import AgencyFactory, SystemContactFactory, SystemFactory, VMFactory, WaveFactory

OBJECT_FACTORIES = {
    "agency": AgencyFactory,
    "system": SystemFactory,
    "vm": VMFactory,
    "contactperson": lambda: SystemContactFactory().contact,
    "systemcontact": SystemContactFactory,
    "wave": WaveFactory,
}


def named_urls(resolver=None, namespace: str = "") -> set[str]:
    """Every named URL of the project, as 'namespace:name'."""
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            names |= named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def covered(name: str) -> bool:
    return name in COVERED_NAMES or name.split(":")[0] in COVERED_NAMESPACES and ":" in name


def urls_without_rule(resolver=None) -> list[str]:
    return sorted(name for name in named_urls(resolver) if covered(name) and name not in ACCESS_RULES)


def test_access_rules_cover_every_staff_url():
    """Fails when a URL is added to a covered namespace without saying who may open it."""
    missing = urls_without_rule()
    assert not missing, f"URLs without an access rule in tests/access_rules.py: {missing}"
    stale = sorted(name for name in ACCESS_RULES if name not in named_urls())
    assert not stale, f"Access rules for URLs that do not exist: {stale}"


# Django admin is for superusers only (docs/architecture.md) and checks that itself, page by page.
NOT_COVERED_NAMESPACES = {"admin"}


def uncovered_urls(resolver=None) -> list[str]:
    return sorted(
        name for name in named_urls(resolver) if not covered(name) and name.split(":")[0] not in NOT_COVERED_NAMESPACES
    )


def test_every_url_of_the_project_is_covered():
    """A new namespace or a new plain URL name must come with its rules too, not stay outside the check."""
    assert uncovered_urls() == [], "add the namespace/name to COVERED_NAMESPACES/COVERED_NAMES with its rules"


def test_coverage_check_notices_a_new_plain_url_and_a_new_namespace():
    from django.urls import include, path
    from django.urls.resolvers import get_resolver as build_resolver

    import migportal.urls

    extra = [
        path("robots.txt", lambda request: None, name="robots"),
        path("", include(([path("reports/", lambda request: None, name="report_list")], "reports"))),
    ]
    urlconf = type("URLConf", (), {"urlpatterns": [*migportal.urls.urlpatterns, *extra]})
    assert uncovered_urls(build_resolver(urlconf)) == ["reports:report_list", "robots"]


@pytest.fixture
def users(contact_user, viewer_user, editor_user):
    return {"anonymous": None, "contact": contact_user, "viewer": viewer_user, "editor": editor_user}


ALL_RULES = {**ACCESS_RULES, **EXPORT_RULES, **VARIANT_RULES}


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_staff_url_answers_each_role_as_designed(name, client, users):
    """GET and POST as anonymous, contact person, viewer and editor: login redirect / 403 / 200 as documented."""
    rule = ALL_RULES[name]
    wrong = []
    for method, expected_by_role in rule.expect.items():
        for role in ROLES:
            client.logout()
            if users[role] is not None:
                client.force_login(users[role])
            kwargs = dict(rule.extra_kwargs)
            if rule.obj:
                kwargs["pk"] = OBJECT_FACTORIES[rule.obj]().pk
            if rule.kwargs:
                kwargs.update(rule.kwargs(users))
            url = reverse(name.split("[")[0], kwargs=kwargs) + (f"?{rule.query}" if rule.query else "")
            response = client.get(url) if method == "GET" else client.post(url, {})
            expected = expected_by_role[role]
            if expected == LOGIN:
                ok = response.status_code == 302 and response["Location"].startswith(reverse("login"))
            elif expected == PORTAL_LOGIN:
                ok = response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
            else:
                ok = response.status_code == expected
            if not ok:
                wrong.append(f"{method} as {role}: expected {expected}, got {response.status_code}")
            elif (
                expected == 403
                and response["Content-Type"].startswith("text/html")
                and ("Du har ikke tilgang til denne siden" not in response.content.decode())
            ):
                wrong.append(f"{method} as {role}: 403 without the friendly page")
    assert not wrong, wrong


def test_access_rules_check_notices_a_new_url_without_a_rule():
    """The check above really fails: a staff URL added without a rule is reported by name."""
    from django.urls import include, path
    from django.urls.resolvers import get_resolver as build_resolver

    import systems.urls

    extra = path("systems/<int:pk>/clone/", lambda request, pk: None, name="system_clone")
    urlconf = type("URLConf", (), {"urlpatterns": [path("", include(([*systems.urls.urlpatterns, extra], "systems")))]})
    assert urls_without_rule(build_resolver(urlconf)) == ["systems:system_clone"]
