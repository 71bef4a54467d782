"""Sealing off the request's critical path (issue #15; audit/seal.py).

Entries get an insert-time mac (nonce, mac, mac_key_id); seals get their position in the chain,
numbered for the existing seals in id order (they were sealed in that order, after the newest
checkpoint's position if the log was purged); the head gets the request-end sealer's scan mark.

On PostgreSQL the retention purge cuts the chain at a position now: `audit_purge(up_to)` takes
the position of a checkpoint, and the append-only trigger lets a purge delete only the seals
at or before the newest checkpoint's position, and then only log entries that no seal names
any more and that are older than the retention floor.
"""

from importlib import import_module

from django.db import migrations, models

FLOOR = import_module("audit.migrations.0005_retention_and_team_history").RETENTION_FLOOR_DAYS

NUMBER = """
UPDATE audit_seal SET position = numbered.base + numbered.n
FROM (
    SELECT entry_id,
           row_number() OVER (ORDER BY entry_id) AS n,
           (SELECT coalesce(max(entry_count), 0) FROM audit_checkpoint) AS base
    FROM audit_seal
) AS numbered
WHERE audit_seal.entry_id = numbered.entry_id
"""

CREATE = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('sspf.audit_purge', true) = 'on' THEN
        IF TG_TABLE_NAME = 'audit_seal' THEN
            IF OLD.position <= (SELECT max(entry_count) FROM audit_checkpoint) THEN
                RETURN OLD;
            END IF;
        ELSIF NOT EXISTS (SELECT FROM audit_seal WHERE entry_id = OLD.id)
              AND OLD.timestamp < now() - interval '{FLOOR} days'
              AND EXISTS (SELECT FROM audit_checkpoint) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_purge(up_to bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    removed bigint;
    newest timestamptz;
    entries bigint[];
BEGIN
    IF NOT EXISTS (SELECT FROM audit_checkpoint WHERE entry_count = up_to) THEN
        RAISE EXCEPTION 'audit_purge: no checkpoint at position %', up_to
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(e.timestamp), array_agg(s.entry_id) INTO newest, entries
    FROM audit_seal s JOIN audit_logentry e ON e.id = s.entry_id
    WHERE s.position <= up_to;
    IF newest > now() - interval '{FLOOR} days' THEN
        RAISE EXCEPTION 'audit_purge: entries up to position % are younger than {FLOOR} days', up_to
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('sspf.audit_purge', 'on', true);
    DELETE FROM audit_seal WHERE position <= up_to;
    DELETE FROM audit_logentry WHERE id = ANY(entries);
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('sspf.audit_purge', 'off', true);
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION audit_purge(bigint) FROM PUBLIC;
"""


def number_seals(apps, schema_editor):
    """Positions for the seals there are, and the request-end sealer starts above them."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:  # the migration runs as the tables' owner, past the append-only trigger
        schema_editor.execute("ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only")
    schema_editor.execute(NUMBER, params=None)
    if postgresql:
        schema_editor.execute("ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only")
    alias = schema_editor.connection.alias
    newest = (
        apps.get_model("audit", "LogEntry").objects.using(alias).order_by("-id").first()
    )
    apps.get_model("audit", "ChainHead").objects.using(alias).filter(pk=1).update(
        scan_from=newest.pk if newest else 0
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def remove(apps, schema_editor):
    """Back to the id-based purge of migration 0005."""
    if schema_editor.connection.vendor == "postgresql":
        before = import_module("audit.migrations.0005_retention_and_team_history").CREATE
        trigger = before.split("CREATE OR REPLACE FUNCTION audit_refuse_any_change()")[0]
        purge = before[before.index("CREATE OR REPLACE FUNCTION audit_purge") :]
        schema_editor.execute(trigger + purge, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_role_permissions")]

    operations = [
        migrations.AddField(
            model_name="logentry",
            name="nonce",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="logentry",
            name="mac",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="logentry",
            name="mac_key_id",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="scan_from",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="scan_mark",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="scan_mark_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="seal",
            name="position",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(number_seals, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="seal",
            name="position",
            field=models.BigIntegerField(unique=True),
        ),
        migrations.RunPython(install, remove),
    ]
