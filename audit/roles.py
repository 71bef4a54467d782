"""Two database roles on PostgreSQL, so that the application cannot erase its own audit log.

The triggers that refuse UPDATE and DELETE on the log bind everyone but the tables' owner, who
may TRUNCATE, DROP, or switch the triggers off. So the tables belong to an owner role that only
`manage.py migrate` uses, and the application logs in as another role (DATABASE_APP_ROLE) that
may read and write the other tables but only INSERT and SELECT the log, its seals and its
checkpoints, and delete old entries only through the retention purge's function. It may
update the chain's head, whose mac and the anchors outside the database give it away if it is
wound back (audit/seal.py, audit/anchor.py). docs/operations.md, "Two database roles".

`migrate`, run as the owner with DATABASE_APP_ROLE set, grants the application role exactly
that, every time (so tables added later are covered). The deployment check
`manage.py check --deploy --database default`, run with the application's settings, fails
when the connection could empty the log: it owns the log tables, belongs to their owner, is a
superuser, or holds more than INSERT and SELECT on them.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

LOG_PRIVILEGES = ("SELECT", "INSERT")
HEAD_PRIVILEGES = ("SELECT", "INSERT", "UPDATE")
FORBIDDEN_ON_LOG = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
ROLE_QUERY = """
SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), c.relname,
       pg_has_role(c.relowner, 'MEMBER'),
       has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'),
       has_table_privilege(c.oid, 'TRUNCATE'), has_table_privilege(c.oid, 'TRIGGER'),
       has_table_privilege(c.oid, 'REFERENCES')
FROM unnest(%s::text[]) WITH ORDINALITY AS t(name, n) JOIN pg_class c ON c.oid = to_regclass(t.name)
ORDER BY t.n
"""
# The one way to delete from the log: entries before a checkpoint (audit/retention.py,
# migration 0005).
PURGE_FUNCTION = "audit_purge(bigint)"


def log_tables() -> list[str]:
    from audit.models import Checkpoint, LogEntry, Seal

    return [LogEntry._meta.db_table, Seal._meta.db_table, Checkpoint._meta.db_table]


def head_table() -> str:
    from audit.models import ChainHead

    return ChainHead._meta.db_table


def grant_app_role(*, using: str = "default", role: str) -> None:
    """Gives `role` read-write rights on every table of the schema, and only INSERT and SELECT on
    the audit log. Run as the tables' owner; idempotent."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %s)", [role])
        if not cursor.fetchone()[0]:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE names the role {role!r}, which does not exist: create it "
                "first (docs/operations.md, 'Two database roles')."
            )
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_class WHERE oid IN "
            "(SELECT to_regclass(name) FROM unnest(%s::text[]) AS name) "
            "AND pg_has_role(%s, relowner, 'MEMBER')), current_schema()",
            [log_tables(), role],
        )
        owns, schema = cursor.fetchone()
        if owns:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE names the role {role!r}, which owns the audit log tables (or "
                "belongs to their owner): the application must connect as another role."
            )
        role, schema = quote(role), quote(schema)
        log, head = ", ".join(quote(table) for table in log_tables()), quote(head_table())
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            f"REVOKE ALL ON {log}, {head} FROM {role}",
            f"GRANT {', '.join(LOG_PRIVILEGES)} ON {log} TO {role}",
            f"GRANT {', '.join(HEAD_PRIVILEGES)} ON {head} TO {role}",
            f"GRANT EXECUTE ON FUNCTION {PURGE_FUNCTION} TO {role}",
        ):
            cursor.execute(statement)


def grant_after_migrate(sender, *, using, verbosity=1, **kwargs):
    """post_migrate: re-grant the application role after every `migrate` run by the owner."""
    role = settings.DATABASE_APP_ROLE
    if not role or connections[using].vendor != "postgresql":
        return
    grant_app_role(using=using, role=role)
    if verbosity >= 1:
        print(f"  Granted {role}: read and write, but only INSERT and SELECT on the audit log.")


@checks.register(checks.Tags.database, deploy=True)
def check_app_role(app_configs=None, databases=None, **kwargs):
    """The connection must not be able to empty the log (DATABASE_APP_ROLE, docs/operations.md)."""
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        errors += _role_problems(connection, alias)
    return errors


def _role_problems(connection, alias):
    hint = (
        "Run migrations as the tables' owner with DATABASE_APP_ROLE set, and the application "
        "as that role (docs/operations.md, 'Two database roles')."
    )
    with connection.cursor() as cursor:
        cursor.execute(ROLE_QUERY, [log_tables()])
        rows = cursor.fetchall()
    errors = []
    for user, superuser, table, owns, *granted in rows:
        if superuser or owns:
            who = (
                "a superuser" if superuser else f"which owns {table} (or is a member of its owner)"
            )
            errors.append(
                checks.Error(
                    f"Database {alias!r}: the application connects as {user!r}, {who}: it "
                    "could empty the audit log (TRUNCATE, DROP) or switch its triggers off.",
                    hint=hint,
                    id="audit.E001",
                )
            )
            break
        extra = [name for name, has in zip(FORBIDDEN_ON_LOG, granted, strict=True) if has]
        if extra:
            errors.append(
                checks.Error(
                    f"Database {alias!r}: the application's role {user!r} may "
                    f"{', '.join(extra)} {table}; it may only INSERT and SELECT the audit log.",
                    hint=hint,
                    id="audit.E002",
                )
            )
    return errors


def require_app_role(alias: str = "default") -> None:
    """Refuses to serve when the application could empty the log: called when the WSGI
    application starts in production (sspf/wsgi.py), so the check does not depend on someone
    remembering `check --deploy --database default`."""
    problems = check_app_role(databases=[alias])
    if problems:
        raise ImproperlyConfigured("\n".join(f"{p.msg} {p.hint}" for p in problems))
