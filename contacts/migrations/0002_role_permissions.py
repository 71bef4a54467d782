from django.db import migrations

from accounts.role_migrations import role_permissions

PERMISSIONS = {
    "field_worker": ["add_contact"],
    "coordinator": ["view_overview", "add_place", "change_place", "view_place"],
}

grant, revoke = role_permissions("contacts", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
