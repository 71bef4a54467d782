from django.db import migrations

from accounts.role_migrations import role_permissions

PERMISSIONS = {
    "coordinator": ["view_statistics", "add_target", "change_target", "add_targetvalue"],
}

grant, revoke = role_permissions("stats", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
