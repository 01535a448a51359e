"""The page types that exist, each with who may see it: the headers and XSS tests walk this list.

Add a line here when a new kind of page lands (staff list/detail/form, portal, dashboard, feeds, API).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageType:
    name: str
    url: str
    client: str  # the fixture that may see it: "client" (anonymous), "editor_client", "admin_client", …
    html: bool = True


PAGE_TYPES = [
    PageType("public dashboard", "/", "client"),
    PageType("login", "/accounts/login/", "client"),
    PageType("accessibility statement", "/tilgjengelighet/", "client"),
    PageType("not found", "/finnes-ikke/", "client"),
    PageType("health probe", "/healthz", "client", html=False),
    PageType("readiness probe", "/readyz", "client", html=False),
    PageType("staff user on public page", "/", "editor_client"),
    PageType("admin index", "/admin/", "admin_client"),
    PageType("admin list", "/admin/systems/system/", "admin_client"),
    PageType("admin add form", "/admin/systems/system/add/", "admin_client"),
    PageType("dashboard open data", "/dashboard.json", "client", html=False),
    PageType("dashboard cover image", "/dashboard.png", "client", html=False),
    PageType("dashboard history", "/dashboard/history.csv", "client", html=False),
    PageType("portal login", "/portal/login/", "client"),
    PageType("portal notices", "/portal/", "contact_client"),
    PageType("portal systems", "/portal/systems/", "contact_client"),
    PageType("portal subscriptions", "/portal/subscriptions/", "contact_client"),
    PageType("portal staff acknowledgements", "/portal/staff/acknowledgements/", "editor_client"),
    PageType("portal staff escalations", "/portal/staff/escalations/", "editor_client"),
    # Staff workspace, inventory import/export, notices: pages without an object.
    PageType("staff home", "/staff/", "viewer_client"),
    PageType("staff list", "/systems/", "viewer_client"),
    PageType("staff add form", "/systems/add/", "editor_client"),
    PageType("staff wave list", "/waves/", "viewer_client"),
    PageType("staff list export", "/systems/?_export=csv", "viewer_client", html=False),
    PageType("inventory import", "/import/", "editor_client"),
    PageType("inventory export", "/export/", "viewer_client"),
    PageType("inventory export file", "/export/systems.csv", "viewer_client", html=False),
    PageType("notices timeline", "/notices/", "viewer_client"),
    PageType("notice deliveries", "/notices/deliveries/", "viewer_client"),
]
