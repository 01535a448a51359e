from django.db import migrations

from systems.roles import GROUP_PERMISSIONS, grant_group_permissions

# The planning app's permissions are granted by its own migration (it comes later).
APPS = {app for perms in GROUP_PERMISSIONS.values() for app, _ in perms} - {"planning"}


def create_staff_groups(apps, schema_editor):
    grant_group_permissions(apps, APPS)


def remove_staff_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUP_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("systems", "0001_initial"),
        ("waves", "0001_initial"),
        ("notifications", "0001_initial"),
        ("dashboard", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
