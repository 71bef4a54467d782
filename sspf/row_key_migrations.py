"""The migration steps that give models with encrypted fields their row key (sspf/crypto.py:
every value is bound to its row). One helper for every app, like accounts/role_migrations.py.

Existing rows get a random key in SQL before the column becomes unique and required; their
values stay in format 1 and read as before until `manage.py rotate_field_keys` rewrites them
bound to their row (resumable, in batches: see README, Keys). Reversing it leaves every value
written since unreadable: restore a backup instead.
"""

from django.db import migrations, models

from sspf.crypto import RowKeyField

# The project runs on these two databases only (DESIGN §3, §9).
RANDOM_KEY_SQL = {
    "postgresql": "gen_random_uuid()",
    "sqlite": "lower(hex(randomblob(16)))",  # UUIDField is char(32) hex on SQLite
}


def row_key_operations(app_label: str, model_names: list[str]) -> list:
    def fill(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in RANDOM_KEY_SQL:
            raise NotImplementedError(f"SSPF runs on PostgreSQL or SQLite, not on {vendor}")
        for name in model_names:
            table = schema_editor.quote_name(apps.get_model(app_label, name)._meta.db_table)
            schema_editor.execute(
                f"UPDATE {table} SET row_key = {RANDOM_KEY_SQL[vendor]} "  # noqa: S608
                "WHERE row_key IS NULL"
            )

    return [
        *(
            migrations.AddField(
                model_name=name,
                name="row_key",
                field=models.UUIDField(null=True, editable=False),
            )
            for name in model_names
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        *(
            migrations.AlterField(model_name=name, name="row_key", field=RowKeyField())
            for name in model_names
        ),
    ]
