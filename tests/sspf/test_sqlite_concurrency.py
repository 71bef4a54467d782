"""SQLite in development holds four clients at once (issue 10, item 7).

Under `make run` the probe saw 14 % of requests fail with "database is locked" with four
concurrent clients. Here four clients (two field workers recording contacts, two coordinators
reading the case page and writing notes) hit a threaded live server, which serves each request
in its own thread with its own connection, as runserver does, on the file database. Every page
read writes to the sealed log and every request saves its session, so the clients write all the
time. Not one request may fail.
"""

import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cases.models import CaseMember, Note
from contacts.models import Contact, Place
from tests.cases.factories import make_case, make_person
from tests.conftest import restore_roles

ROUNDS = 12  # per client; each round is two or three requests
pytestmark = pytest.mark.django_db(transaction=True)


class Failures(logging.Handler):
    """Collects what the server logs for a request that failed."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages = []

    def emit(self, record):
        error = record.exc_info[1] if record.exc_info else None
        self.messages.append(f"{record.getMessage()}: {error!r}")


class Browser:
    """One client: its own session and CSRF cookie, plain HTTP to the live server."""

    def __init__(self, base_url, user):
        django_client = Client()
        django_client.force_login(user)
        self.base_url = base_url
        self.csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked secret length
        self.cookie = f"sessionid={django_client.cookies['sessionid'].value}; csrftoken={self.csrf}"
        self.statuses = []

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            headers={"Cookie": self.cookie, "X-CSRFToken": self.csrf},
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                self.statuses.append(response.status)
        except urllib.error.HTTPError as error:
            self.statuses.append(error.code)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_four_concurrent_clients_never_meet_a_locked_database(live_server, make_user):
    if connection.vendor != "sqlite":
        pytest.skip("about the SQLite development database; PostgreSQL has row locks")
    restore_roles()
    coordinators = [make_user("coordinator"), make_user("coordinator")]
    field_workers = [make_user("field_worker"), make_user("field_worker")]
    case = make_case(
        person=make_person(),
        owner=coordinators[0].organisation,
        coordinator=coordinators[0],
        members=[(coordinators[1], CaseMember.Role.CONTACT)],
    )
    place = Place.objects.create(name="Resecentrum", kind="station")

    def record_contacts(browser):
        for _ in range(ROUNDS):
            browser.request(
                "/contacts/new/",
                {
                    "client_token": str(uuid.uuid4()),
                    "mode": "group",
                    "kind": "street",
                    "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                    "place": place.pk,
                    "girls": "1",
                },
            )
            browser.request("/contacts/")

    def read_and_write_the_case(browser):
        for n in range(ROUNDS):
            browser.request(f"/cases/{case.pk}/")
            browser.request(
                f"/cases/{case.pk}/notes/new/",
                {
                    "text": f"Anteckning {n}",
                    "category": "social_services",
                    "form_token": str(uuid.uuid4()),  # a new form each round
                },
            )

    clients = [(Browser(live_server.url, u), record_contacts) for u in field_workers] + [
        (Browser(live_server.url, u), read_and_write_the_case) for u in coordinators
    ]
    failures = Failures()
    logging.getLogger("django.request").addHandler(failures)
    start = threading.Barrier(len(clients))

    def run(browser, work):
        start.wait()
        work(browser)

    threads = [threading.Thread(target=run, args=client) for client in clients]
    began = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        logging.getLogger("django.request").removeHandler(failures)
    seconds = time.monotonic() - began

    statuses = [status for browser, _work in clients for status in browser.statuses]
    print(f"\n[sqlite] {len(statuses)} requests from 4 clients in {seconds:.1f} s")
    assert failures.messages == []
    assert len(statuses) == 4 * 2 * ROUNDS
    assert all(status in (200, 302) for status in statuses), sorted(set(statuses))
    assert Contact.objects.count() == 2 * ROUNDS
    assert Note.objects.count() == 2 * ROUNDS
