from django.db import migrations

from accounts.role_migrations import role_permissions

# Senders: the roles that meet young people (DESIGN §1). Receivers: one right per kind.
PERMISSIONS = {
    "coordinator": ["add_referral"],
    "field_worker": ["add_referral"],
    "school_police": ["add_referral"],
    "social_worker": ["add_referral"],
    "mediator": ["receive_mediation"],
    "victim_support": ["receive_victim_support"],
}

grant, revoke = role_permissions("referrals", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
