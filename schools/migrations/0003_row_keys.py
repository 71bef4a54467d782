"""Row keys for encrypted values: see sspf/row_key_migrations.py."""

from django.db import migrations

from sspf.row_key_migrations import row_key_operations

MODELS = ["schoolvisit"]


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0002_role_permissions"),
    ]

    operations = row_key_operations("schools", MODELS)
