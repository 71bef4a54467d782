"""Row keys for encrypted values: see sspf/row_key_migrations.py."""

from django.db import migrations

from sspf.row_key_migrations import row_key_operations

MODELS = ["youngperson", "personname", "guardian", "consent", "note", "planitem", "disclosure"]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_identity_custody_disclosures"),
    ]

    operations = row_key_operations("cases", MODELS)
