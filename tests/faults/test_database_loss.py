"""The database going away in the middle of a request (issue 16, item 3), on PostgreSQL.

A coordinator registers a signal: the page writes the person, their name, the case with its
reference number, risk factors, the team, the grants, the one-time token and the audit
entries, in one transaction. At a point between two of those writes, the request's own
database backend is terminated from a second connection (pg_terminate_backend; the shared
server keeps running). The user gets the 503 page; not one row of the registration exists;
the next request works, and the same form sent again registers the case once.

Also (on SQLite too): a database that cannot be reached at all when a request starts gives
the same page, and any other error still the 500 page.
"""

import contextlib
import datetime
import html
import io
import uuid

import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client

from audit.models import LogEntry
from cases.models import (
    Case,
    CaseMember,
    CaseUserObjectPermission,
    CaseYearCounter,
    PersonName,
    RiskFactor,
    YoungPerson,
)
from sspf.models import FormSubmission
from tests.cases.factories import make_personnummer
from tests.conftest import restore_roles
from tests.faults.conftest import client_of

pytestmark = pytest.mark.django_db(transaction=True)

WRITTEN = [
    YoungPerson,
    PersonName,
    Case,
    CaseYearCounter,
    RiskFactor,
    CaseMember,
    CaseUserObjectPermission,
    FormSubmission,
    LogEntry,
]


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def terminate(pid: int) -> None:
    """Ends backend `pid` from a connection of our own, as an operator or a failover would."""
    config = connection.settings_dict
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
        autocommit=True,
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


@contextlib.contextmanager
def backend_terminated_after_saving(model):
    """Terminates the request's backend right after the first row of `model` is written (the
    transaction is open, more writes are to follow). Yields a list that holds the pid killed."""
    killed = []

    def cut(sender, **kwargs):
        if not killed:
            killed.append(connection.connection.info.backend_pid)
            terminate(killed[0])

    post_save.connect(cut, sender=model, dispatch_uid="faults-cut")
    try:
        yield killed
    finally:
        post_save.disconnect(sender=model, dispatch_uid="faults-cut")


@pytest.fixture
def coordinator(make_user):
    restore_roles()
    return make_user("coordinator")


def signal_form():
    return {
        "step": "create",
        "personnummer": make_personnummer(datetime.date(2011, 5, 2)),
        "given_name": "Ellinor",
        "family_name": "Bergqvist",
        "gender": "girl",
        "signal_source": "school",
        "risk_factors": ["truancy", "risky_peers"],
        "form_token": str(uuid.uuid4()),
    }


@pytest.mark.postgres
@pytest.mark.parametrize("cut_after", [PersonName, Case, CaseMember])
def test_a_backend_terminated_between_two_writes_leaves_nothing_half_written(
    coordinator, cut_after
):
    client = client_of(coordinator)
    client.raise_request_exception = False
    form = signal_form()
    before = rows()
    with backend_terminated_after_saving(cut_after) as killed:
        response = client.post("/cases/new/", form)
    connection.close()  # the test's own handle on the terminated backend
    assert killed, "the fault was not injected"
    assert response.status_code == 503
    assert response["Retry-After"]
    page = html.unescape(response.content.decode())
    assert "SSPF är tillfälligt otillgängligt" in page
    assert "SSPF is temporarily unavailable" in page
    assert "Ellinor" not in page and form["personnummer"] not in page
    assert rows() == before  # the open transaction died with its backend

    # The next request gets a new connection; the same form, sent again, registers once.
    assert client.get("/cases/").status_code == 200
    assert client.post("/cases/new/", form).status_code == 302
    assert Case.objects.count() == before["Case"] + 1
    assert YoungPerson.objects.count() == before["YoungPerson"] + 1
    call_command("verify_audit_log", stdout=io.StringIO())


def test_a_database_that_cannot_be_reached_gives_the_same_page(coordinator):
    client = client_of(coordinator)
    client.raise_request_exception = False
    assert client.get("/cases/").status_code == 200
    sessions = Session.objects.count()
    # Nothing listens on port 1; no directory /nonexistent holds a database file.
    setting, unreachable = (
        ("PORT", 1) if connection.vendor == "postgresql" else ("NAME", "/nonexistent/db")
    )
    reachable = connection.settings_dict[setting]
    connection.close()
    connection.settings_dict[setting] = unreachable
    try:
        response = client.get("/cases/")
    finally:
        connection.close()
        connection.settings_dict[setting] = reachable
    assert response.status_code == 503
    assert "SSPF är tillfälligt otillgängligt" in response.content.decode()
    assert Session.objects.count() == sessions
    assert client.get("/cases/").status_code == 200


def test_other_errors_still_get_the_500_page(coordinator, monkeypatch):
    """Only a lost database is a 503: a bug stays a 500 (and is not disguised as an outage)."""
    from cases import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.selectors, "case_list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.get("/cases/")
    assert response.status_code == 500
    assert "Något gick fel" in response.content.decode()
