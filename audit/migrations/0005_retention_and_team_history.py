"""Retention of the log on PostgreSQL, and the team history of the cases that exist already.

The log stays append-only for everyone but one deliberate path: `audit_purge(up_to)`, a
SECURITY DEFINER function owned by the tables' owner, which the application role may call
(audit/roles.py grants EXECUTE). It deletes the oldest entries and their seals only up to an
existing checkpoint, and only entries older than RETENTION_FLOOR_DAYS whatever the application
asks; the append-only trigger lets those deletes through and nothing else. Checkpoints
themselves can never be changed or deleted. docs/auditing.md, "Retention".
"""

from django.db import migrations

# The database refuses to purge entries younger than this, whatever SSPF_AUDIT_RETENTION_DAYS
# says (the setting may not be lower either: sspf/settings.py).
RETENTION_FLOOR_DAYS = 365

CREATE = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
DECLARE
    entry bigint;
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('sspf.audit_purge', true) = 'on' THEN
        IF TG_TABLE_NAME = 'audit_seal' THEN
            entry := OLD.entry_id;
        ELSE
            entry := OLD.id;
        END IF;
        IF entry <= (SELECT max(last_entry_id) FROM audit_checkpoint) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_refuse_any_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are never changed: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_any_change();

CREATE OR REPLACE FUNCTION audit_purge(up_to bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    removed bigint;
    newest timestamptz;
BEGIN
    IF NOT EXISTS (SELECT FROM audit_checkpoint WHERE last_entry_id = up_to) THEN
        RAISE EXCEPTION 'audit_purge: no checkpoint at entry %', up_to
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(timestamp) INTO newest FROM audit_logentry WHERE id <= up_to;
    IF newest > now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
        RAISE EXCEPTION 'audit_purge: entries up to % are younger than {RETENTION_FLOOR_DAYS} days', up_to
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('sspf.audit_purge', 'on', true);
    DELETE FROM audit_seal WHERE entry_id <= up_to;
    DELETE FROM audit_logentry WHERE id <= up_to;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('sspf.audit_purge', 'off', true);
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION audit_purge(bigint) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS audit_purge(bigint);
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint;
DROP FUNCTION IF EXISTS audit_refuse_any_change();
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def team_history(apps, schema_editor):
    """Today's teams, as stays that began when each member was added."""
    alias = schema_editor.connection.alias
    members = apps.get_model("cases", "CaseMember").objects.using(alias)
    apps.get_model("audit", "TeamMembership").objects.using(alias).bulk_create(
        apps.get_model("audit", "TeamMembership")(
            case_id=m.case_id, user_id=m.user_id, joined_at=m.added_at
        )
        for m in members.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_workspace"), ("cases", "0004_row_keys")]

    operations = [
        migrations.RunPython(install, remove),
        migrations.RunPython(team_history, migrations.RunPython.noop),
    ]
