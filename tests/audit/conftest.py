"""A small municipality for the auditors' workspace: two young people with a case each, a team
that reads through the pages, and an auditor.

Everything a user reads here is read through the pages, so the log holds what the real pages
write. `reads` keeps, per step, the entries that step wrote: the tests compare the workspace's
answers with those, not with the workspace's own queries.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import LogEntry
from cases.models import CaseMember, PlanItem
from contacts.models import Contact, Place
from tests.cases.factories import make_case, make_consent, make_guardian, make_note, make_person

NOTE_TEXT = "Kartläggande samtal med familjen genomfört."
PLAN_GOAL = "Regelbunden närvaro i skolan"
CONTACT_NOTE = "Träffade henne vid resecentrum sent."
# Names no fake staff member will have, so that finding them on a page means a leak.
ELLINOR = ("Ellinorea", "Bergqvistberg")
NILS = ("Nilsander", "Holmviksson")


@dataclass
class Reads:
    """The entries each step wrote, by step name."""

    steps: dict = field(default_factory=dict)

    def record(self, name, action):
        before = LogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        result = action()
        self.steps[name] = list(LogEntry.objects.filter(id__gt=before).order_by("id"))
        return result

    def granted(self, *names) -> list[LogEntry]:
        """The granted reads (ACCESS, not refused) the named steps wrote."""
        return [
            entry
            for name in names
            for entry in self.steps[name]
            if entry.action == LogEntry.Action.ACCESS and entry.additional_data != {"denied": True}
        ]


def page_as(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def town(make_user, organisations):
    """Alice (coordinator) owns Ellinor's case; Bob (school) and Fredrik (field worker) are on
    its team, Carol (leisure) too but the consent does not cover leisure. Nils has a case of
    his own that only Alice is on. Gustav is the auditor."""
    users = {
        "alice": make_user("coordinator", username="alice", first_name="Alice"),
        "bob": make_user("school_staff", username="bob"),
        "fredrik": make_user("field_worker", username="fredrik"),
        "carol": make_user("leisure_staff", username="carol"),
        "gustav": make_user("auditor", username="gustav"),
    }
    owner = organisations["social_services"]
    ellinor = make_person(age=16, given=ELLINOR[0], family=ELLINOR[1], recorded_by=owner)
    nils = make_person(age=14, given=NILS[0], family=NILS[1], recorded_by=owner)
    case = make_case(
        person=ellinor,
        owner=owner,
        coordinator=users["alice"],
        members=[
            (users["bob"], CaseMember.Role.MENTOR),
            (users["fredrik"], CaseMember.Role.CONTACT),
            (users["carol"], CaseMember.Role.CONTACT),
        ],
    )
    covered = [organisations["school_a"]]
    make_consent(case, guardian=make_guardian(case), organisations=covered)
    make_consent(case, guardian=make_guardian(case, relation="father"), organisations=covered)
    make_consent(case, organisations=covered)
    other_case = make_case(person=nils, owner=owner, coordinator=users["alice"])
    note = make_note(case, users["alice"], category="social_services", text=NOTE_TEXT)
    plan_item = PlanItem.objects.create(
        case=case,
        author=users["alice"],
        organisation=owner,
        category="school",
        goal=PLAN_GOAL,
        action="Mentor ringer hem vid frånvaro",
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        responsible_organisation=organisations["school_a"],
    )
    contact = Contact.objects.create(
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        place=Place.objects.create(name="Resecentrum", kind="station"),
        kind="street",
        recorded_by=users["fredrik"],
        organisation=owner,
        category="social_services",
        young_person=ellinor,
        case=case,
        note=CONTACT_NOTE,
    )
    return {
        **users,
        "ellinor": ellinor,
        "nils": nils,
        "case": case,
        "other_case": other_case,
        "note": note,
        "plan_item": plan_item,
        "contact": contact,
    }


@pytest.fixture
def reads(town):
    """The team reads through the pages; one refused attempt; a read of Nils's case."""
    log = Reads()
    case, other = town["case"], town["other_case"]

    def get(user, url, status=200):
        response = page_as(user).get(url)
        assert response.status_code == status, url
        return response

    log.record("alice case", lambda: get(town["alice"], reverse("cases:detail", args=[case.pk])))
    log.record("bob case", lambda: get(town["bob"], reverse("cases:detail", args=[case.pk])))
    log.record(
        "fredrik contact",
        lambda: get(town["fredrik"], reverse("contacts:detail", args=[town["contact"].pk])),
    )
    log.record(
        "alice plan item",
        lambda: get(
            town["alice"],
            reverse("cases:plan_follow_up", args=[case.pk, town["plan_item"].pk]),
        ),
    )
    log.record(
        "carol refused",
        lambda: get(town["carol"], reverse("cases:detail", args=[case.pk]), status=404),
    )
    log.record("alice nils", lambda: get(town["alice"], reverse("cases:detail", args=[other.pk])))
    return log
