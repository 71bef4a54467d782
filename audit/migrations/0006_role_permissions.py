from django.db import migrations

from accounts.role_migrations import role_permissions

PERMISSIONS = {"auditor": ["use_workspace"]}

grant, revoke = role_permissions("audit", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_retention_and_team_history"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
