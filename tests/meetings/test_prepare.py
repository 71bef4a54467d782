"""The coordinator's preparation page: per agenda case, only what the reader may see, in a
number of queries that does not grow with the cases; the operational group's aggregates."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import LogEntry
from cases.models import CaseMember, PlanItem
from contacts.models import Contact, Place
from meetings.models import Level, Meeting
from tests.cases.factories import make_case, make_consent, make_guardian, make_note, make_person
from tests.meetings.conftest import convene


def _agenda_cases(people, organisations, count, start=0):
    """`count` consented cases, each with a network meeting in the next days, a note, a
    contact and a commitment."""
    coordinator = people["coordinator"]
    place = Place.objects.get_or_create(name="Torget", kind="centre")[0]
    for n in range(start, start + count):
        case = make_case(
            person=make_person(age=16),
            owner=organisations["social_services"],
            coordinator=coordinator,
            members=[(people["school_staff"], CaseMember.Role.MENTOR)],
        )
        for guardian in (make_guardian(case), make_guardian(case, relation="father")):
            make_consent(case, guardian=guardian, organisations=[organisations["school_a"]])
        make_consent(case, organisations=[organisations["school_a"]])
        make_note(case, people["school_staff"], category="school", text=f"Anteckning {n}")
        Contact.objects.create(
            occurred_at=datetime.datetime.now(datetime.UTC),
            place=place,
            kind="concern_talk",
            recorded_by=people["field_worker"],
            organisation=people["field_worker"].organisation,
            category="social_services",
            young_person=case.young_person,
            case=case,
        )
        PlanItem.objects.create(
            case=case,
            author=coordinator,
            organisation=coordinator.organisation,
            category="school",
            goal="Närvaro",
            action=f"Åtgärd {n}",
            due_date=datetime.date.today() - datetime.timedelta(days=n % 3),
            responsible_organisation=organisations["school_a"],
        )
        convene(coordinator, case=case, days=1 + n % 10)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_query_count_is_the_same_with_3_and_30_agenda_cases(
    client, people, organisations, settings
):
    settings.SSPF_MEETING_PREPARE_DAYS = 14
    client.force_login(people["coordinator"])
    url = reverse("meetings:prepare_next")
    _agenda_cases(people, organisations, 3)
    few, page = _count(client, url)
    assert page.count("Åtgärd ") == 3 and "Anteckning 2" in page
    _agenda_cases(people, organisations, 27, start=3)
    many, page = _count(client, url)
    assert page.count("Åtgärd ") == 30 and "Anteckning 29" in page
    print(f"preparation page: {few} queries with 3 agenda cases, {many} with 30")
    assert few == many


def test_the_preparation_shows_only_what_the_reader_may_see_and_is_logged(
    client, people, organisations, network_meeting, shared_case
):
    make_note(shared_case, people["social_worker"], category="social_services", text="Egen")
    make_note(shared_case, people["school_police"], category="police", text="Polisens")
    for consent in (
        shared_case.mother_consent,
        shared_case.father_consent,
        shared_case.own_consent,
    ):
        consent.category_rows.exclude(category__in=["school", "police"]).delete()
    # A second coordinator on the team (of the school) may prepare, but reads no owner's notes.
    from tests.factories import UserFactory

    school_coordinator = UserFactory(role="coordinator", organisation=organisations["school_a"])
    CaseMember.objects.create(
        case=shared_case,
        user=school_coordinator,
        organisation=organisations["school_a"],
        role="contact",
    )
    shared_case.coordinator = school_coordinator
    shared_case.save()
    from cases import access

    access.sync(shared_case)
    client.force_login(school_coordinator)
    response = client.get(reverse("meetings:prepare", args=[network_meeting.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Polisens" in page and "Egen" not in page
    entry = LogEntry.objects.filter(
        actor=school_coordinator, action=LogEntry.Action.ACCESS, object_id=network_meeting.pk
    ).get()
    assert entry.additional_data["page"] == "preparation"
    assert entry.additional_data["cases"] == [shared_case.pk]
    assert len(entry.additional_data["notes"]) == 1


def test_a_case_the_coordinator_no_longer_reads_is_named_by_reference_only(
    client, people, network_meeting, shared_case
):
    make_note(shared_case, people["social_worker"], category="social_services", text="Hemligt")
    CaseMember.objects.filter(case=shared_case, user=people["coordinator"]).delete()
    from cases import access

    access.sync(shared_case)
    client.force_login(people["coordinator"])
    assert client.get(reverse("meetings:prepare", args=[network_meeting.pk])).status_code == 404
    page = client.get(reverse("meetings:prepare_next")).content.decode()
    assert "Hemligt" not in page and "Elinorea" not in page


def test_the_operational_preparation_counts_contacts_by_place_and_gender(
    client, people, organisations
):
    from schools.models import SchoolVisit
    from tests.schools.factories import SchoolFactory

    visited = SchoolFactory(name="Besökta skolan")
    SchoolFactory(name="Glömda skolan")
    SchoolVisit.objects.create(
        school=visited,
        officer=people["school_police"],
        date=datetime.date.today(),
        purpose="class_visit",
        note="n",
    )
    Meeting.objects.create(
        level=Level.OPERATIONAL,
        date=datetime.date.today() - datetime.timedelta(days=14),
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
        place="Stadshuset",
        convened_by=people["coordinator"],
    )
    place = Place.objects.create(name="Resecentrum", kind="station")
    now = datetime.datetime.now(datetime.UTC)
    square = Place.objects.create(name="Torget", kind="centre")
    for where, girls, boys, themes in (
        (place, 5, 4, ["alcohol"]),
        (place, 2, 3, ["alcohol", "drugs"]),
        (square, 1, 6, []),
    ):
        Contact.objects.create(
            occurred_at=now,
            place=where,
            kind="street",
            recorded_by=people["field_worker"],
            organisation=people["field_worker"].organisation,
            category="social_services",
            girls=girls,
            boys=boys,
            themes=themes,
        )
    Contact.objects.create(  # before the previous meeting: not counted
        occurred_at=now - datetime.timedelta(days=30),
        place=place,
        kind="street",
        recorded_by=people["field_worker"],
        organisation=people["field_worker"].organisation,
        category="social_services",
        girls=9,
    )
    meeting = convene(people["coordinator"], level=Level.OPERATIONAL)
    client.force_login(people["coordinator"])
    page = client.get(reverse("meetings:prepare", args=[meeting.pk])).content.decode()

    def cells(place_name):
        row = page[page.index(f">{place_name}</td>") :].split("</tr>")[0]
        return [re.sub(r"<[^>]+>", "", cell).split()[0] for cell in row.split("</td>")[1:6]]

    # Girls, boys, other, not recorded, total.
    assert cells("Resecentrum") == ["7", "7", "0", "0", "14"]
    # One girl could point at a child: hidden, and the boys too, or the total would tell.
    assert cells("Torget") == ["×", "×", "0", "0", "7"]
    assert "Glömda skolan" in page and "Besökta skolan" not in page.split("without a police")[1]
    assert "Alcohol: 2" in page and "Drugs: 1" in page


def test_only_coordinators_prepare(client, people, network_meeting):
    client.force_login(people["school_staff"])
    assert client.get(reverse("meetings:prepare_next")).status_code == 403
    assert client.get(reverse("meetings:prepare", args=[network_meeting.pk])).status_code == 403
