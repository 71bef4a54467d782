from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "coordinator": ["view_school", "view_assignment", "add_assignment", "change_assignment"],
    "school_police": ["add_schoolvisit"],
    "administrator": ["view_school", "add_school", "change_school"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("schools")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in PERMISSIONS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="schools", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in PERMISSIONS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="schools", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
