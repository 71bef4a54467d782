from django.db import migrations

from accounts.role_migrations import role_permissions

# Coordinators convene and run meetings and prepare them; everyone else takes part through
# invitations and the case rule, not through model permissions.
PERMISSIONS = {"coordinator": ["add_meeting", "change_meeting", "view_meeting"]}

grant, revoke = role_permissions("meetings", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
