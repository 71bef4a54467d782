"""Creates the ten roles of DESIGN §4 as groups, with the model permissions they hold so far.

Later apps add their permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = [
    "coordinator",
    "field_worker",
    "school_police",
    "school_staff",
    "social_worker",
    "leisure_staff",
    "mediator",
    "victim_support",
    "auditor",
    "administrator",
]

PERMISSIONS = {
    "administrator": [
        ("accounts", "view_organisation"),
        ("accounts", "add_organisation"),
        ("accounts", "change_organisation"),
        ("accounts", "view_user"),
        ("accounts", "add_user"),
        ("accounts", "change_user"),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; the grants below need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in PERMISSIONS.get(name, []):
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
