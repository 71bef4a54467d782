"""The yearly gender view against the bare GROUP BY queries it runs, on PostgreSQL with
SSPF_PERF_CONTACTS contacts (default 200,000: three in five named, the others anonymous groups
with head counts, spread over the five years the yearly view shows).

"Bare" is the view's own SQL, captured from a request and executed straight on the cursor:
what the database must do anyway. The view adds the request (session, user), the ORM around
the queries, the disclosure control, the chart and the template. Timings are medians of
interleaved rounds in one process, so the noise of the machine hits both alike.

The contacts are written by one INSERT … SELECT from generate_series (a few seconds), copying
the empty note of one contact made through the ORM, each with a row key of its own (the
statistics never decrypt a contact).
"""

import datetime
import os
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import YoungPerson
from contacts.models import Contact, Place
from tests.cases.factories import make_person
from tests.schools.factories import SchoolFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CONTACTS = int(os.environ.get("SSPF_PERF_CONTACTS", "200000"))
PEOPLE = 200
ROUNDS = 9
BUDGET = 1.5
YEAR = datetime.date.today().year
GENDERS = ["girl", "boy", "other", "not_recorded"]


@pytest.fixture
def many_contacts(make_user, organisations):
    worker = make_user("field_worker")
    place = Place.objects.create(name="Torget", kind="centre")
    school = SchoolFactory(organisation=organisations["school_a"], area="Centrum")
    people = [
        make_person(
            birth_date=datetime.date(YEAR - 12 - n % 7, 1 + n % 12, 1 + n % 28),
            gender=GENDERS[n % 4] if n % 9 else YoungPerson.Gender.GIRL,
        ).pk
        for n in range(PEOPLE)
    ]
    template = Contact.objects.create(
        occurred_at=datetime.datetime(YEAR, 1, 1, 12, tzinfo=datetime.UTC),
        place=place,
        kind="street",
        recorded_by=worker,
        organisation=worker.organisation,
        category="social_services",
        girls=1,
    )
    start = datetime.datetime(YEAR - 4, 1, 1, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_contact (
                occurred_at, place_id, school_id, kind, recorded_by_id, organisation_id,
                young_person_id, case_id, girls, boys, others, not_recorded, age_band, themes,
                note, row_key, category, client_token, created_at
            )
            SELECT
                %(start)s::timestamptz + (n %% 1820) * interval '1 day'
                    + (n %% 24) * interval '1 hour',
                t.place_id, CASE WHEN n %% 3 = 0 THEN %(school)s::bigint END, t.kind,
                t.recorded_by_id, t.organisation_id,
                CASE WHEN n %% 5 < 3 THEN (%(people)s::bigint[])[1 + n %% %(count)s] END,
                NULL,
                CASE WHEN n %% 5 < 3 THEN 0 ELSE 1 + n %% 4 END,
                CASE WHEN n %% 5 < 3 THEN 0 ELSE n %% 6 END,
                CASE WHEN n %% 5 < 3 THEN 0 ELSE n %% 2 END,
                0, CASE WHEN n %% 5 < 3 THEN '' ELSE '13-15' END, '[]'::jsonb,
                t.note, gen_random_uuid(), t.category, gen_random_uuid(), now()
            FROM generate_series(1, %(n)s) AS n, contacts_contact AS t
            WHERE t.id = %(template)s
            """,
            {
                "start": start,
                "school": school.pk,
                "people": people,
                "count": len(people),
                "n": CONTACTS - 1,
                "template": template.pk,
            },
        )
        cursor.execute("ANALYZE contacts_contact")
    assert Contact.objects.count() == CONTACTS
    return make_user("coordinator")


def timed(operation) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


@pytest.mark.parametrize("measure", ["contacts_group", "contacts_named"])
def test_the_yearly_view_costs_at_most_one_and_a_half_times_its_group_by_queries(
    many_contacts, client, measure, capsys
):
    client.force_login(many_contacts)
    query = {"measure": measure, "split": "year", "year": YEAR}

    def view():
        response = client.get("/stats/", query)
        assert response.status_code == 200
        return response

    view()  # warm: the session, the templates, the database's caches
    with CaptureQueriesContext(connection) as captured:
        page = view().content.decode()
    queries = captured.captured_queries  # read now: each request empties the connection's log
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
    assert grouped, "the view counts in the database"

    def bare():
        with connection.cursor() as cursor:
            for sql in grouped:
                cursor.execute(sql)
                cursor.fetchall()

    times = {"view": [], "bare": []}
    for _ in range(ROUNDS):
        times["view"].append(timed(view))
        times["bare"].append(timed(bare))
    measured, base = statistics.median(times["view"]), statistics.median(times["bare"])
    with capsys.disabled():
        print(
            f"\n[cost] yearly view of {measure} over {CONTACTS:,} contacts: "
            f"{measured * 1e3:.1f} ms ({len(queries)} queries, {len(grouped)} GROUP BY), "
            f"its GROUP BY queries alone {base * 1e3:.1f} ms = {measured / base:.2f}×"
        )
    assert f">{YEAR}<" in page
    assert measured / base <= BUDGET
