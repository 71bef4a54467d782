import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import LogEntry
from contacts import selectors, services
from contacts.models import Contact, Place
from tests.cases.factories import make_case, make_consent, make_person

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


@pytest.fixture
def place(db):
    return Place.objects.create(name="Resecentrum", kind="station")


@pytest.fixture
def fredrik(make_user):
    return make_user("field_worker", username="fredrik")


def post(client, place, **data):
    payload = {
        "client_token": str(uuid.uuid4()),
        "mode": "group",
        "kind": "street",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": place.pk,
        "girls": "2",
        "boys": "3",
        "others": "0",
        "not_recorded": "0",
        "age_band": "13_15",
        "themes": ["alcohol"],
        "note": "Lugn kväll",
    }
    payload.update(data)
    return client.post("/contacts/new/", payload)


def record(by, place, when=None, **counts):
    counts = counts or {"girls": 1}
    contact, _ = services.contact_record(
        by=by,
        client_token=uuid.uuid4(),
        occurred_at=when or timezone.now(),
        place=place,
        kind="street",
        **counts,
    )
    return contact


class TestRecording:
    def test_a_group_contact(self, client, fredrik, place):
        client.force_login(fredrik)
        response = post(client, place)
        assert response.status_code == 302
        contact = Contact.objects.get()
        assert (contact.girls, contact.boys, contact.age_band, contact.themes) == (
            2,
            3,
            "13_15",
            ["alcohol"],
        )
        assert contact.young_person is None and contact.organisation == fredrik.organisation
        create = LogEntry.objects.get(action=LogEntry.Action.CREATE, object_repr=str(contact))
        assert "Lugn kväll" not in str(create.changes)

    def test_sending_the_same_form_twice_records_once(self, client, fredrik, place):
        client.force_login(fredrik)
        token = str(uuid.uuid4())
        post(client, place, client_token=token)
        second = post(client, place, client_token=token)
        assert Contact.objects.count() == 1
        assert second.status_code == 302

    def test_the_form_defaults_to_now_and_my_last_place(self, client, fredrik, place):
        other = Place.objects.create(name="Fritidsgården", kind="youth_centre")
        record(fredrik, other)
        client.force_login(fredrik)
        html = client.get("/contacts/new/").content.decode()
        assert f'<option value="{other.pk}" selected>' in html
        assert timezone.localtime().strftime("%Y-%m-%dT") in html

    def test_negative_counts_are_refused(self, client, fredrik, place):
        client.force_login(fredrik)
        html = post(client, place, girls="-1").content.decode()
        assert "Kontrollera att detta värde är större än eller lika med 0" in html
        assert not Contact.objects.exists()

    def test_a_group_of_nobody_is_refused(self, client, fredrik, place):
        client.force_login(fredrik)
        html = post(client, place, girls="0", boys="0").content.decode()
        assert "Räkna minst en ung person i gruppen" in html
        assert not Contact.objects.exists()

    def test_a_contact_in_the_future_is_refused(self, client, fredrik, place):
        client.force_login(fredrik)
        later = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        html = post(client, place, occurred_at=later).content.decode()
        assert "Kontakten kan inte ligga i framtiden" in html
        assert not Contact.objects.exists()

    def test_a_named_contact_for_someone_unseen_is_refused(self, client, fredrik, place):
        person = make_person()
        client.force_login(fredrik)
        html = post(client, place, mode="named", personnummer=person.personnummer).content.decode()
        assert "Du kan inte registrera en namngiven kontakt med det här numret" in html
        assert not Contact.objects.exists()

    def test_a_named_contact_on_a_case_shows_on_the_case(
        self, client, fredrik, place, make_user, organisations
    ):
        coordinator = make_user("coordinator")
        case = make_case(
            person=make_person(),
            owner=organisations["social_services"],
            coordinator=coordinator,
            members=[(fredrik, "contact")],
        )
        client.force_login(fredrik)
        assert (
            post(
                client, place, mode="named", case=case.pk, note="Samtal vid busshållplatsen"
            ).status_code
            == 302
        )
        contact = Contact.objects.get()
        assert (contact.case, contact.young_person, contact.girls) == (case, case.young_person, 0)
        client.force_login(coordinator)
        assert "Samtal vid busshållplatsen" in client.get(f"/cases/{case.pk}/").content.decode()

    def test_only_field_workers_record(self, client, make_user):
        client.force_login(make_user("coordinator"))
        assert client.get("/contacts/new/").status_code == 403


class TestAccess:
    def test_another_organisations_field_worker_does_not_see_it(
        self, client, fredrik, place, make_user
    ):
        contact = record(fredrik, place)
        client.force_login(make_user("field_worker", organisation="leisure"))
        assert client.get(f"/contacts/{contact.pk}/").status_code == 404
        assert LogEntry.objects.filter(additional_data={"denied": True}).count() == 1

    def test_a_colleague_and_the_coordinator_see_a_group_contact(
        self, client, fredrik, place, make_user
    ):
        contact = record(fredrik, place)
        for role in ("field_worker", "coordinator"):
            client.force_login(make_user(role))
            assert client.get(f"/contacts/{contact.pk}/").status_code == 200

    def test_the_auditor_does_not_see_it(self, client, fredrik, place, make_user):
        contact = record(fredrik, place)
        client.force_login(make_user("auditor"))
        assert client.get(f"/contacts/{contact.pk}/").status_code == 404

    def test_a_team_member_without_consent_does_not_see_a_case_contact(
        self, client, fredrik, place, make_user, organisations
    ):
        mentor = make_user("school_staff")
        case = make_case(
            person=make_person(),
            owner=organisations["social_services"],
            coordinator=make_user("coordinator"),
            members=[(fredrik, "contact"), (mentor, "mentor")],
        )
        contact, _ = services.contact_record(
            by=fredrik,
            client_token=uuid.uuid4(),
            occurred_at=timezone.now(),
            place=place,
            kind="concern_talk",
            case=case,
            note="Orossamtal med mamman",
        )
        client.force_login(mentor)
        assert client.get(f"/contacts/{contact.pk}/").status_code == 404
        make_consent(case, organisations=[organisations["school_a"]], categories=["school"])
        assert client.get(f"/contacts/{contact.pk}/").status_code == 404  # category not named

    def test_reading_a_contact_is_logged(self, client, fredrik, place):
        contact = record(fredrik, place)
        client.force_login(fredrik)
        client.get(f"/contacts/{contact.pk}/")
        assert LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS, object_repr=str(contact)
        ).exists()


def _many(count, by, place):
    start = timezone.now() - datetime.timedelta(days=50)
    Contact.objects.bulk_create(
        Contact(
            occurred_at=start + datetime.timedelta(minutes=7 * n),
            place=place,
            kind="street",
            recorded_by=by,
            organisation=by.organisation,
            girls=1 + n % 3,
            boys=n % 2,
        )
        for n in range(count)
    )


def test_my_contacts_and_overview_query_counts_stay_flat(client, fredrik, place, make_user, capsys):
    coordinator = make_user("coordinator")
    counts = {}
    for total, add in ((100, 100), (10_000, 9_900)):
        _many(add, fredrik, place)
        for who, url in ((fredrik, "/contacts/"), (coordinator, "/contacts/overview/")):
            client.force_login(who)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[(url, total)] = len(queries)
    with capsys.disabled():
        print(f"\n[queries] contacts: {counts}")
    assert counts[("/contacts/", 100)] == counts[("/contacts/", 10_000)] <= 12
    assert counts[("/contacts/overview/", 100)] == counts[("/contacts/overview/", 10_000)] <= 12


def test_overview_counts_nights_and_weekends_by_gender(fredrik, place, make_user, organisations):
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)

    def at(day, hour):
        return datetime.datetime.combine(
            monday + datetime.timedelta(days=day), datetime.time(hour), TZ
        )

    record(fredrik, place, at(0, 22), girls=2, boys=1)  # Monday night
    record(fredrik, place, at(1, 14), girls=5)  # Tuesday afternoon: left out
    record(fredrik, place, at(5, 13), boys=4)  # Saturday
    coordinator = make_user("coordinator")
    case = make_case(
        person=make_person(),
        owner=organisations["social_services"],
        coordinator=coordinator,
        members=[(fredrik, "contact")],
    )
    services.contact_record(
        by=fredrik,
        client_token=uuid.uuid4(),
        occurred_at=at(2, 23),
        place=place,
        kind="street",
        case=case,
    )  # a girl, named
    rows = selectors.night_and_weekend_overview(coordinator, weeks=3)
    assert len(rows) == 1
    row = rows[0]
    assert (row["contacts"], row["girls"], row["boys"]) == (3, 3, 5)


def test_my_contacts_filter_by_place_and_kind(client, fredrik, place):
    other = Place.objects.create(name="Torget", kind="centre")
    record(fredrik, place)
    record(fredrik, other)
    client.force_login(fredrik)
    html = client.get(f"/contacts/?place={other.pk}").content.decode()
    assert "Torget" in html and "Resecentrum" not in html.split("<tbody>")[1]


class TestPlaces:
    def test_coordinator_adds_and_retires_a_place(self, client, make_user):
        client.force_login(make_user("coordinator"))
        client.post("/contacts/places/", {"name": "Skateparken", "kind": "other"})
        place = Place.objects.get(name="Skateparken")
        client.post(f"/contacts/places/{place.pk}/toggle/")
        place.refresh_from_db()
        assert not place.active
        html = client.post(
            "/contacts/places/", {"name": "skateparken", "kind": "other"}
        ).content.decode()
        assert "Det finns redan en plats med det namnet" in html
