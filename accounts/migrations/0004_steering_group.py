"""The eleventh role: a member of the SSPF steering group (styrgrupp, DESIGN §7), who follows
the agreement's targets and the statistics (stats grants its permission in its own migration)."""

from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="steering_group")


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="steering_group").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_two_factor_reset_request")]

    operations = [migrations.RunPython(create_role, remove_role)]
