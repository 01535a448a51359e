from django.db import migrations

from systems.roles import grant_group_permissions


def grant_planning_permissions(apps, schema_editor):
    grant_group_permissions(apps, {"planning"})


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("systems", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_planning_permissions, migrations.RunPython.noop)]
