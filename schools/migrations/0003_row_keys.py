"""Row keys for encrypted values (sspf/crypto.py: every value is bound to its row).

Existing rows get a random key in SQL before the column becomes unique and required; their
values stay in format 1 and read as before until `manage.py rotate_field_keys` rewrites them
bound to their row (resumable, in batches: see README, Keys). Reversing it leaves every
value written since unreadable: restore a backup instead.
"""

from django.db import migrations, models

import sspf.crypto

MODELS = ["schoolvisit"]


def fill_row_keys(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        random_key = "gen_random_uuid()"
    elif vendor == "sqlite":
        random_key = "lower(hex(randomblob(16)))"  # UUIDField is char(32) hex on SQLite
    else:
        raise NotImplementedError(f"row keys are not filled in on {vendor}")
    for name in MODELS:
        table = schema_editor.quote_name(apps.get_model("schools", name)._meta.db_table)
        schema_editor.execute(
            f"UPDATE {table} SET row_key = {random_key} WHERE row_key IS NULL"  # noqa: S608
        )


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0002_role_permissions"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=name,
                name="row_key",
                field=models.UUIDField(null=True, editable=False),
            )
            for name in MODELS
        ),
        migrations.RunPython(fill_row_keys, migrations.RunPython.noop),
        *(
            migrations.AlterField(
                model_name=name, name="row_key", field=sspf.crypto.RowKeyField()
            )
            for name in MODELS
        ),
    ]
