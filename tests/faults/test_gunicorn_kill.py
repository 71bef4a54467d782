"""A gunicorn worker killed in the middle of a request (issue 16, item 3), on PostgreSQL.

gunicorn serves the application on loopback against the test database, with a hook (only in
tests/faults/gunicorn_settings.py) that holds the first case registration after its case row
is written and before the rest (team, grants, token, audit). The test kills that worker with
SIGKILL: the client gets no answer but a broken connection, the database holds nothing of the
registration once PostgreSQL has ended the dead worker's session, and gunicorn's master starts
a new worker that registers the same form once.
"""

import datetime
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from audit.models import LogEntry
from cases.models import Case, CaseMember, PersonName, YoungPerson
from sspf.models import FormSubmission
from tests.cases.factories import make_personnummer
from tests.conftest import missing, restore_roles

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    config = connection.settings_dict
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    return (
        f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT'] or 5432}/"
        f"{config['NAME']}"
    )


class Browser:
    """A logged-in user's session and CSRF cookie, over plain HTTP."""

    def __init__(self, base_url, user):
        client = Client()
        client.force_login(user)
        self.base_url = base_url
        self.csrf = secrets.token_hex(16)
        self.cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={self.csrf}"

    def send(self, path, data=None, timeout=90) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            headers={"Cookie": self.cookie, "X-CSRFToken": self.csrf, "Referer": self.base_url},
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def gunicorn(tmp_path):
    """A gunicorn master with one worker; yields its base URL and the hold file."""
    if not GUNICORN.exists():
        missing("gunicorn is not installed in the virtual environment")
    port, hold = free_port(), tmp_path / "held-worker.pid"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.gunicorn_settings",
        "DATABASE_URL": database_url(),
        "SSPF_CHECK_DATABASE_ROLE": "0",  # the test database's owner is the superuser
        "SSPF_TEST_HOLD_FILE": str(hold),
        "SSPF_AUDIT_ANCHOR": str(tmp_path / "anchors.jsonl"),
    }
    server = subprocess.Popen(
        [str(GUNICORN), "sspf.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--timeout", "120", "--graceful-timeout", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(base_url), 60, "gunicorn did not start")
        yield base_url, hold
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def healthy(base_url) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=5) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):
        return False


def wait_until(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.1)


def open_transactions_elsewhere() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_request_leaves_nothing_and_the_next_request_works(gunicorn, make_user):
    base_url, hold = gunicorn
    restore_roles()
    browser = Browser(base_url, make_user("coordinator"))
    form = {
        "step": "create",
        "personnummer": make_personnummer(datetime.date(2011, 9, 9)),
        "given_name": "Ellinor",
        "family_name": "Bergqvist",
        "gender": "girl",
        "signal_source": "school",
        "form_token": str(uuid.uuid4()),
    }
    watched = [YoungPerson, PersonName, Case, CaseMember, FormSubmission, LogEntry]
    before = {model.__name__: model.objects.count() for model in watched}

    outcome = []

    def send():
        try:
            outcome.append(browser.send("/cases/new/", form))
        except (OSError, http.client.HTTPException) as error:
            outcome.append(error)

    request = threading.Thread(target=send)
    request.start()
    wait_until(lambda: hold.exists() and hold.read_text(), 30, "the request was never held")
    began = time.perf_counter()
    os.kill(int(hold.read_text()), signal.SIGKILL)  # the worker gunicorn started for us
    request.join(timeout=30)
    assert not request.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], OSError | http.client.HTTPException), outcome

    # PostgreSQL ends the dead worker's session and rolls its transaction back.
    wait_until(lambda: open_transactions_elsewhere() == 0, 30, "the transaction stayed open")
    assert {model.__name__: model.objects.count() for model in watched} == before

    # The master starts a new worker; the same form registers the case once.
    wait_until(lambda: healthy(base_url), 60, "no new worker")
    restarted = time.perf_counter() - began
    assert browser.send("/cases/new/", form) == 302
    assert browser.send("/cases/") == 200
    assert Case.objects.count() == before["Case"] + 1
    assert FormSubmission.objects.count() == before["FormSubmission"] + 1
    print(f"\n[gunicorn] worker killed mid-request; a new worker answered after {restarted:.1f} s")
