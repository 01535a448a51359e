"""Indexes for the staff lists' sorting and filtering, and a system's number of VMs, stored (`System.vm_tally`) and kept by the database: triggers on the VM table add,
take away and move the count on every route that writes VMs (services, the importer's COPY, bulk writes, the
admin, cascades), so no Python code has to remember it. Filled from the VMs that exist."""

from django.db import migrations, models

FILL = "UPDATE systems_system SET vm_tally = (SELECT count(*) FROM systems_vm WHERE system_id = systems_system.id)"

# PostgreSQL: one statement-level trigger per event, with the statement's rows as transition tables, so a bulk
# insert of thousands of VMs updates each of their systems once.
POSTGRESQL = [
    """
    CREATE FUNCTION systems_vm_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE systems_system SET vm_tally = vm_tally + added.n
        FROM (SELECT system_id, count(*) AS n FROM new_vms GROUP BY system_id) AS added
        WHERE systems_system.id = added.system_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION systems_vm_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE systems_system SET vm_tally = vm_tally - removed.n
        FROM (SELECT system_id, count(*) AS n FROM old_vms GROUP BY system_id) AS removed
        WHERE systems_system.id = removed.system_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION systems_vm_tally_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE systems_system SET vm_tally = vm_tally + moved.n
        FROM (
            SELECT system_id, sum(n) AS n FROM (
                SELECT old_vms.system_id, -1 AS n FROM old_vms JOIN new_vms ON new_vms.id = old_vms.id
                WHERE new_vms.system_id <> old_vms.system_id
                UNION ALL
                SELECT new_vms.system_id, 1 AS n FROM old_vms JOIN new_vms ON new_vms.id = old_vms.id
                WHERE new_vms.system_id <> old_vms.system_id
            ) AS steps GROUP BY system_id
        ) AS moved
        WHERE systems_system.id = moved.system_id AND moved.n <> 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER systems_vm_tally_insert AFTER INSERT ON systems_vm
    REFERENCING NEW TABLE AS new_vms FOR EACH STATEMENT EXECUTE FUNCTION systems_vm_tally_insert()
    """,
    """
    CREATE TRIGGER systems_vm_tally_delete AFTER DELETE ON systems_vm
    REFERENCING OLD TABLE AS old_vms FOR EACH STATEMENT EXECUTE FUNCTION systems_vm_tally_delete()
    """,
    """
    CREATE TRIGGER systems_vm_tally_move AFTER UPDATE ON systems_vm
    REFERENCING OLD TABLE AS old_vms NEW TABLE AS new_vms FOR EACH STATEMENT EXECUTE FUNCTION systems_vm_tally_move()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS systems_vm_tally_insert ON systems_vm",
    "DROP TRIGGER IF EXISTS systems_vm_tally_delete ON systems_vm",
    "DROP TRIGGER IF EXISTS systems_vm_tally_move ON systems_vm",
    "DROP FUNCTION IF EXISTS systems_vm_tally_insert()",
    "DROP FUNCTION IF EXISTS systems_vm_tally_delete()",
    "DROP FUNCTION IF EXISTS systems_vm_tally_move()",
]

# SQLite (the development default): row-level triggers.
SQLITE = [
    """
    CREATE TRIGGER systems_vm_tally_insert AFTER INSERT ON systems_vm BEGIN
        UPDATE systems_system SET vm_tally = vm_tally + 1 WHERE id = NEW.system_id;
    END
    """,
    """
    CREATE TRIGGER systems_vm_tally_delete AFTER DELETE ON systems_vm BEGIN
        UPDATE systems_system SET vm_tally = vm_tally - 1 WHERE id = OLD.system_id;
    END
    """,
    """
    CREATE TRIGGER systems_vm_tally_move AFTER UPDATE OF system_id ON systems_vm
    WHEN NEW.system_id <> OLD.system_id BEGIN
        UPDATE systems_system SET vm_tally = vm_tally - 1 WHERE id = OLD.system_id;
        UPDATE systems_system SET vm_tally = vm_tally + 1 WHERE id = NEW.system_id;
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS systems_vm_tally_insert",
    "DROP TRIGGER IF EXISTS systems_vm_tally_delete",
    "DROP TRIGGER IF EXISTS systems_vm_tally_move",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No VM tally triggers for {vendor}.")
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": [*POSTGRESQL, FILL], "sqlite": [*SQLITE, FILL]})


def drop_triggers(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [
        ("systems", "0003_planning_fields"),
        ("waves", "0002_wave_max_systems"),
    ]

    operations = [
        migrations.AddField(
            model_name="system",
            name="vm_tally",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="VMs"),
        ),
        migrations.AddIndex(
            model_name="system",
            index=models.Index(fields=["vm_tally", "code"], name="system_vm_tally_code"),
        ),
        migrations.AddIndex(
            model_name="vm",
            index=models.Index(fields=["hostname"], name="vm_hostname"),
        ),
        migrations.AddIndex(
            model_name="contactperson",
            index=models.Index(fields=["name"], name="contact_name"),
        ),
        migrations.AddIndex(
            model_name="systemcontact",
            index=models.Index(fields=["role", "contact"], name="systemcontact_role_contact"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
