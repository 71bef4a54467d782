from django.db import migrations

from accounts.role_migrations import role_permissions

# The steering group sees every table and the yearly follow-up; targets are kept by the
# coordinator.
PERMISSIONS = {"steering_group": ["view_statistics"]}

grant, revoke = role_permissions("stats", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0003_meeting_and_referral_facts"),
        ("accounts", "0004_steering_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
