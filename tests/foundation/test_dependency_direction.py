"""The inventory and the waves announce what changed; the notices and the portal listen. Neither `systems/` nor
`waves/` imports them (a module cycle through one transaction took row locks in opposite orders)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", ["systems", "waves"])
def test_inventory_and_waves_do_not_import_notices_or_portal(app):
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] in {"notifications", "portal"}
        )
        for path in sorted((ROOT / app).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


#: The project's wiring names the apps (INSTALLED_APPS, the root URLconf); nothing else in migportal/ may.
WIRING = {"settings.py", "urls.py"}


def _apps() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/apps.py")}


def test_the_shared_framework_imports_no_app():
    """migportal/ is the house every app builds on (generic views, tables, spreadsheets): it never reaches back
    into an app, so an app can change without the framework of every other page changing with it."""
    apps = _apps()
    assert {"systems", "waves", "notifications"} <= apps
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imported_modules(path) if name.split(".")[0] in apps)
        for path in sorted((ROOT / "migportal").rglob("*.py"))
        if path.name not in WIRING
    }
    assert {path: names for path, names in offenders.items() if names} == {}
