from django.db import migrations

from accounts.role_migrations import role_permissions

PERMISSIONS = {
    "coordinator": ["add_case", "add_youngperson", "disclose_without_consent"],
    "social_worker": ["disclose_without_consent"],
}

grant, revoke = role_permissions("cases", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
