"""On PostgreSQL the application cannot empty its own audit log: it connects as a role that
does not own the tables and may only INSERT and SELECT the log (DESIGN §6, audit/roles.py).

Each test creates its roles inside its own transaction, so they vanish with it, and acts as a
role with SET LOCAL ROLE: for the rest of the transaction PostgreSQL checks every statement
against that role's rights, as it would for a connection that logged in as it.
"""

import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import DatabaseError, connection, transaction

from audit import roles
from audit.models import LogEntry
from tests.audit.test_anchors import verify
from tests.testapp.models import Secret

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

APP_ROLE = f"sspf_test_app_{os.getpid()}"
OWNER_ROLE = f"sspf_test_owner_{os.getpid()}"

# What an intruder would try, with what PostgreSQL answers a role that may not.
REFUSED = [
    "TRUNCATE audit_logentry CASCADE",
    "TRUNCATE audit_seal",
    "TRUNCATE audit_chainhead",
    "DELETE FROM audit_logentry",
    "DELETE FROM audit_seal",
    "DELETE FROM audit_chainhead",
    "UPDATE audit_logentry SET object_repr = 'REF-1'",
    "UPDATE audit_seal SET value = value",
    "DROP TABLE audit_seal",
    "ALTER TABLE audit_logentry DISABLE TRIGGER audit_logentry_append_only",
    "ALTER TABLE audit_seal DISABLE TRIGGER ALL",
    "ALTER TABLE audit_seal OWNER TO CURRENT_USER",
    "SET session_replication_role = replica",
]


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def act_as(role):
    """The rest of the test's transaction runs as `role`. The entries written so far are
    checked now (Django's foreign keys are deferred), so that nothing but the role's rights can
    stand in the way of what it tries next."""
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql(f"SET LOCAL ROLE {role}")


@pytest.fixture
def app_role(settings):
    """A role that owns nothing, given its rights by `migrate` as DATABASE_APP_ROLE."""
    sql(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    settings.DATABASE_APP_ROLE = APP_ROLE
    call_command("migrate", verbosity=0)
    return APP_ROLE


@pytest.fixture
def owner_role():
    """The tables' owner as it is deployed: not a superuser, but the log tables are its own."""
    sql(f"CREATE ROLE {OWNER_ROLE} NOLOGIN")
    for table in roles.log_tables():
        sql(f"ALTER TABLE {table} OWNER TO {OWNER_ROLE}")
    return OWNER_ROLE


def test_the_app_role_writes_sealed_entries_and_verifies_the_log(app_role):
    Secret.objects.create(label="before")
    act_as(app_role)
    Secret.objects.create(label="as the application")
    assert LogEntry.objects.count() == 2
    assert "Audit log intact: 2 entries verified." in verify()


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_empty_the_log_or_switch_its_triggers_off(app_role, statement):
    Secret.objects.create(label="logged")
    act_as(app_role)
    with (
        pytest.raises(DatabaseError, match="permission denied|must be owner"),
        transaction.atomic(),
    ):
        sql(statement)
    assert "Audit log intact: 1 entries verified." in verify()


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_logentry CASCADE",
        "ALTER TABLE audit_logentry DISABLE TRIGGER audit_logentry_append_only",
    ],
)
def test_the_owner_can_so_the_application_must_not_connect_as_it(owner_role, statement):
    """Why the roles are split: the owner empties the log without any superuser right."""
    Secret.objects.create(label="logged")
    act_as(owner_role)
    with transaction.atomic():
        sql(statement)
        if statement.startswith("ALTER"):
            sql("ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only")
            sql("DELETE FROM audit_seal")
            sql("DELETE FROM audit_logentry")
        assert LogEntry.objects.count() == 0
        transaction.set_rollback(True)


def test_the_app_works_through_its_pages_as_the_app_role(app_role, client, alice, settings):
    settings.ROOT_URLCONF = "tests.audit.urls"
    secret = Secret.objects.create(label="alice", name="Ellinor")
    act_as(app_role)
    client.force_login(alice)
    assert client.get(f"/secret/{secret.pk}/").status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1
    assert "intact" in verify()


def test_the_deploy_check_refuses_a_superuser_connection():
    with pytest.raises(SystemCheckError, match="audit.E001.*a superuser"):
        call_command("check", "--deploy", "--database", "default", "--tag", "database")


def test_the_server_refuses_to_start_as_a_superuser_or_the_owner(owner_role):
    """sspf/wsgi.py calls require_app_role when the application starts in production."""
    with pytest.raises(ImproperlyConfigured, match="a superuser"):
        roles.require_app_role()
    act_as(owner_role)
    with pytest.raises(ImproperlyConfigured, match="which owns audit_logentry"):
        roles.require_app_role()


def test_the_server_starts_as_the_app_role(app_role):
    act_as(app_role)
    roles.require_app_role()


def test_the_deploy_check_refuses_the_tables_owner(owner_role):
    act_as(owner_role)
    errors = roles.check_app_role(databases=["default"])
    assert [error.id for error in errors] == ["audit.E001"]
    assert "which owns audit_logentry" in errors[0].msg


def test_the_deploy_check_passes_the_app_role(app_role):
    act_as(app_role)
    assert roles.check_app_role(databases=["default"]) == []
    call_command("check", "--deploy", "--database", "default", "--tag", "database")


def test_the_deploy_check_flags_an_app_role_with_too_many_rights(app_role):
    sql(f"GRANT ALL ON audit_seal TO {app_role}")
    act_as(app_role)
    [error] = roles.check_app_role(databases=["default"])
    assert error.id == "audit.E002"
    assert "may UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES audit_seal" in error.msg


def test_migrate_takes_back_rights_granted_by_hand(app_role):
    sql(f"GRANT ALL ON audit_seal, audit_logentry TO {app_role}")
    call_command("migrate", verbosity=0)
    act_as(app_role)
    assert roles.check_app_role(databases=["default"]) == []


def test_the_owner_cannot_be_named_the_app_role(owner_role):
    with pytest.raises(ImproperlyConfigured, match="owns the audit log tables"):
        roles.grant_app_role(role=owner_role)


def test_an_app_role_that_does_not_exist_is_named():
    with pytest.raises(ImproperlyConfigured, match="'sspf_nobody', which does not exist"):
        roles.grant_app_role(role="sspf_nobody")
