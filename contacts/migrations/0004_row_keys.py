"""Row keys for encrypted values: see sspf/row_key_migrations.py."""

from django.db import migrations

from sspf.row_key_migrations import row_key_operations

MODELS = ["contact"]


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_contact_category_from_organisation"),
    ]

    operations = row_key_operations("contacts", MODELS)
