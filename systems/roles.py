"""The staff groups (docs/architecture.md, "Access") and their permissions (made by migration systems.0002)."""

EDITOR_GROUP = "Prosjekt – redaktør"
VIEWER_GROUP = "Prosjekt – lesetilgang"

INVENTORY_MODELS = {
    "systems": ["agency", "system", "vm", "contactperson", "systemcontact"],
    "waves": ["wave"],
}
PLANNING_MODELS = {"planning": ["blackoutperiod", "testercapacity", "proposal"]}
NOTICE_MODELS = {"notifications": ["notice", "delivery", "acknowledgement"], "dashboard": ["weeklysnapshot"]}


def _perms(models: dict[str, list[str]], actions: list[str]) -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, names in models.items() for model in names for action in actions]


GROUP_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    EDITOR_GROUP: _perms(INVENTORY_MODELS | PLANNING_MODELS, ["add", "change", "delete", "view"])
    + _perms(NOTICE_MODELS, ["view"])
    + [
        ("notifications", "change_notice"),
        ("notifications", "change_delivery"),
        ("systems", "import_inventory"),
        ("systems", "export_inventory"),
    ],
    VIEWER_GROUP: _perms(INVENTORY_MODELS | PLANNING_MODELS, ["view"])
    + _perms(NOTICE_MODELS, ["view"])
    + [("systems", "export_inventory")],
}


def grant_group_permissions(apps, app_labels: set[str] | None = None) -> None:
    """Give the staff groups their permissions (of the apps `app_labels`, or all), creating what is missing.

    For data migrations: permissions are normally made after all migrations, so they are made here first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, codename in perms:
            if app_labels is None or app_label in app_labels:
                group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
