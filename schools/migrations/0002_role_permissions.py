from django.db import migrations

from accounts.role_migrations import role_permissions

PERMISSIONS = {
    "coordinator": ["view_school", "view_assignment", "add_assignment", "change_assignment"],
    "school_police": ["add_schoolvisit"],
    "administrator": ["view_school", "add_school", "change_school"],
}

grant, revoke = role_permissions("schools", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
