"""The staff groups (docs/architecture.md, "Access") and their permissions (made by migration systems.0002)."""

EDITOR_GROUP = "Prosjekt – redaktør"
VIEWER_GROUP = "Prosjekt – lesetilgang"

INVENTORY_MODELS = {
    "systems": ["agency", "system", "vm", "contactperson", "systemcontact"],
    "waves": ["wave"],
}
NOTICE_MODELS = {"notifications": ["notice", "delivery", "acknowledgement"], "dashboard": ["weeklysnapshot"]}


def _perms(models: dict[str, list[str]], actions: list[str]) -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, names in models.items() for model in names for action in actions]


GROUP_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    EDITOR_GROUP: _perms(INVENTORY_MODELS, ["add", "change", "delete", "view"])
    + _perms(NOTICE_MODELS, ["view"])
    + [
        ("notifications", "change_notice"),
        ("notifications", "change_delivery"),
        ("systems", "import_inventory"),
        ("systems", "export_inventory"),
    ],
    VIEWER_GROUP: _perms(INVENTORY_MODELS, ["view"])
    + _perms(NOTICE_MODELS, ["view"])
    + [("systems", "export_inventory")],
}
