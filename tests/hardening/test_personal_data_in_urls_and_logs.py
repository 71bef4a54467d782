"""No personal data in addresses, query strings or the server's logs (DESIGN §5; issue 16,
item 5).

A coordinator and an auditor go through the pages where a personnummer is typed and the pages
that show the person; every address they request or are sent to, every link and form address
on the pages, and every log record written meanwhile (any logger, DEBUG and up) is searched for
the young person's number in each written form and for their and their guardian's names.
"""

import logging
import re

import pytest

from cases.models import CaseMember
from tests.cases.factories import make_case, make_guardian, make_person, name_person
from tests.factories import PASSWORD

GIVEN, FAMILY, GUARDIAN = "Ingeborg", "Svanström", "Gunvor Åkerlund"
ADDRESSES = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']([^"']*)["']""", re.I)


@pytest.fixture
def person_case(alice, bob, organisations):
    person = make_person(age=15)
    name_person(person, organisations["social_services"], given=GIVEN, family=FAMILY)
    case = make_case(
        person=person,
        owner=organisations["social_services"],
        coordinator=alice,
        members=[(bob, CaseMember.Role.MENTOR)],
    )
    make_guardian(case, name=GUARDIAN)
    return case


def written_forms(digits: str) -> set[str]:
    """The number as people type it: 12 or 10 digits, with or without the dash."""
    ten = digits[2:]
    return {digits, f"{digits[:8]}-{digits[8:]}", ten, f"{ten[:6]}-{ten[6:]}"}


class Journey:
    """A client that keeps every address it touched."""

    def __init__(self, client):
        self.client = client
        self.addresses: list[str] = []

    def _seen(self, url, response):
        self.addresses.append(url)
        self.addresses += [previous for previous, _status in response.redirect_chain]
        if response.get("Location"):
            self.addresses.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            self.addresses += ADDRESSES.findall(response.content.decode())
        return response

    def get(self, url, **kwargs):
        return self._seen(url, self.client.get(url, follow=True, **kwargs))

    def post(self, url, data, **kwargs):
        return self._seen(url, self.client.post(url, data, follow=True, **kwargs))

    def login(self, user):
        self.client.logout()
        response = self.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 200 and response.context["user"] == user


def test_searching_and_reading_a_person_leaves_them_in_no_address_and_no_log(
    client, alice, make_user, person_case, caplog
):
    auditor = make_user("auditor")
    person = person_case.young_person
    digits = person.personnummer
    secrets = written_forms(digits) | {GIVEN, FAMILY, GUARDIAN}
    caplog.set_level(logging.DEBUG)
    journey = Journey(client)

    journey.login(alice)
    journey.get("/cases/")
    for typed in written_forms(digits):
        found = journey.post("/cases/", {"personnummer": typed})
        assert person_case.reference in found.content.decode()
    journey.post("/cases/", {"personnummer": digits[:-1] + str((int(digits[-1]) + 1) % 10)})
    case = journey.get(f"/cases/{person_case.pk}/")
    assert FAMILY in case.content.decode()  # the page shows the person, its address does not
    journey.get(f"/cases/{person_case.pk}/consents/")
    journey.get(f"/cases/{person_case.pk}/team/")
    journey.post("/cases/new/", {"personnummer": f"{digits[:8]}-{digits[8:]}"})
    journey.get("/cases/999999/")  # a 404, logged by Django with its address

    journey.login(auditor)
    entries = journey.post("/audit/entries/", {"personnummer": digits})
    assert person_case.reference in entries.content.decode()
    journey.get(f"/audit/people/{person.pk}/")
    journey.get(f"/audit/people/{person.pk}/csv/")

    assert len(journey.addresses) > 50
    in_addresses = {url for url in journey.addresses if any(s in url for s in secrets)}
    assert in_addresses == set()
    logged = [caplog.handler.format(record) for record in caplog.records]
    assert logged, "the journey should have written some log records (the 404 at least)"
    in_logs = [line for line in logged if any(s in line for s in secrets)]
    assert in_logs == []


def test_every_form_that_takes_a_personnummer_is_posted(client, alice, make_user, person_case):
    """A personnummer field in a GET form would put the number in the address."""
    pages = {
        alice: ["/cases/", "/cases/new/"],
        make_user("auditor"): ["/audit/entries/"],
        make_user("field_worker"): ["/contacts/new/"],
    }
    checked = 0
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            html = client.get(url).content.decode()
            for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S | re.I):
                if re.search(r"""name=["']personnummer["']""", form):
                    assert re.match(r"""<form\b[^>]*method=["']post["']""", form, re.I), url
                    checked += 1
    assert checked >= 4
