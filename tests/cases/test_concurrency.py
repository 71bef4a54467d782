"""Simultaneous writes through the pages (PostgreSQL, where requests really run at once):
eight registrations of the same new number open one case, and eight additions of the same
member make one membership, each request answered without a server error (issue 10)."""

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from cases.models import Case, CaseMember, YoungPerson
from tests.cases.factories import make_case, make_person, make_personnummer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def at_once(user, requests):
    """Runs each request (a function of a logged-in client) in its own thread at the same
    moment; returns the status codes."""
    codes, start = [], threading.Barrier(len(requests))

    def run(request):
        client = Client()
        client.force_login(user)
        try:
            start.wait()
            codes.append(request(client).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.fixture
def roles():
    from tests.conftest import restore_roles

    restore_roles()


def test_eight_simultaneous_registrations_open_one_case(roles, make_user):
    coordinator = make_user("coordinator")
    number = make_personnummer(datetime.date(2010, 3, 14))
    form = {
        "step": "create",
        "personnummer": number,
        "given_name": "Ellinor",
        "family_name": "Bergqvist",
        "gender": "girl",
        "signal_source": "school",
        "form_token": str(uuid.uuid4()),  # one form sent eight times: one case
    }
    codes = at_once(coordinator, [lambda c: c.post("/cases/new/", form)] * THREADS)
    assert codes == [302] * THREADS
    assert YoungPerson.objects.count() == 1
    assert Case.objects.count() == 1


def test_eight_simultaneous_additions_make_one_member(roles, make_user, organisations):
    coordinator = make_user("coordinator")
    mentor = make_user("school_staff")
    case = make_case(
        person=make_person(), owner=organisations["social_services"], coordinator=coordinator
    )
    form = {"user": mentor.pk, "role": "mentor"}
    codes = at_once(
        coordinator,  # eight forms (eight tokens), each sent once
        [lambda c: c.post(f"/cases/{case.pk}/team/", {**form, "form_token": uuid.uuid4()})]
        * THREADS,
    )
    # One addition lands (a redirect); the others are told the person is already on the team.
    assert sorted(codes) == [200] * (THREADS - 1) + [302]
    assert CaseMember.objects.filter(case=case, user=mentor).count() == 1
