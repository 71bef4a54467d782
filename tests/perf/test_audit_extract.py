"""The auditor's extract "who has read this person's record" against the bare indexed query
that returns the same rows, on PostgreSQL with a log of SSPF_PERF_LOG_ENTRIES entries
(default 200,000 so the PostgreSQL leg stays quick; the note of issue 13 gives the figures at
1,000,000: `SSPF_PERF_LOG_ENTRIES=1000000 make test-postgres`).

The entries are written with COPY, without seals (the extract never reads them). Timings are
medians of interleaved runs in one process, so the noise of the machine hits both alike.
"""

import datetime
import io
import os
import random
import statistics
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import selectors
from audit.models import LogEntry
from cases.models import Case, CaseMember, Note, PlanItem, YoungPerson
from contacts.models import Contact
from tests.cases.factories import make_case, make_note, make_person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ENTRIES = int(os.environ.get("SSPF_PERF_LOG_ENTRIES", "200000"))
ROUNDS = 9
BUDGET = 1.5


def bulk_log(rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(row) + "\n")
    buffer.seek(0)
    columns = (
        "content_type_id, object_pk, object_id, object_repr, action, changes_text, "
        "actor_id, cid, remote_addr, timestamp, additional_data"
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY audit_logentry ({columns}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute("ANALYZE audit_logentry")


@pytest.fixture
def big_log(make_user, organisations):
    owner = organisations["social_services"]
    readers = [make_user("coordinator") for _ in range(20)]
    person = make_person(age=15, recorded_by=owner)
    case = make_case(person=person, owner=owner, coordinator=readers[0])
    notes = [make_note(case, readers[0], category="social_services") for _ in range(3)]
    others = [
        make_case(
            person=make_person(age=14, recorded_by=owner), owner=owner, coordinator=readers[1]
        )
        for _ in range(30)
    ]
    types = ContentType.objects.get_for_models(
        YoungPerson, Case, Note, PlanItem, Contact, CaseMember
    )
    about = [(types[YoungPerson], person.pk), (types[Case], case.pk)] + [
        (types[Note], n.pk) for n in notes
    ]
    other_objects = [(types[Case], c.pk) for c in others] + [
        (types[YoungPerson], c.young_person_id) for c in others
    ]
    draw = random.Random(13)
    now = timezone.now()
    access = str(LogEntry.Action.ACCESS)

    def rows():
        for n in range(ENTRIES):
            mine = n % 2000 == 1  # 1 in 2,000 entries is about the person
            kind, pk = draw.choice(about) if mine else draw.choice(other_objects)
            if not mine and n % 3 == 0:  # plenty of other objects, never hers
                pk = 10_000_000 + n
            denied = n % 97 == 0
            yield [
                str(kind.pk),
                str(pk),
                str(pk),
                f"ref {pk}",
                access if n % 5 else "1",
                "",
                str(draw.choice(readers).pk),
                f"{n:032x}",
                "10.0.0.1",
                (now - datetime.timedelta(minutes=n)).isoformat(),
                '{"denied": true}' if denied else "\\N",
            ]

    bulk_log(rows())
    return person


def timed(operation) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


def test_the_person_extract_costs_at_most_one_and_a_half_times_the_bare_query(big_log, capsys):
    person = big_log
    until = timezone.localdate()
    since = until - datetime.timedelta(days=365)

    def extract():
        return selectors.person_extract_rows(person, since, until)

    # The bare query: the ids of everything about her already known, the same rows and
    # columns (with the joins for the user and organisation a row shows), straight from SQL.
    ids = {
        model: list(
            model.objects.filter(
                **({"pk": person.pk} if path == "" else {path: person})
            ).values_list("pk", flat=True)
        )
        for model, path in __import__("audit.subjects", fromlist=["x"]).ABOUT_PERSON.items()
    }
    types = ContentType.objects.get_for_models(*ids)
    branches = " UNION ALL ".join(
        "SELECT e.id, e.timestamp, e.action, e.content_type_id, e.object_id, e.object_repr, "
        "e.actor_id, e.actor_email, e.remote_addr, e.cid, u.username, o.name, "
        "e.additional_data = '{\"denied\": true}'::jsonb, e.additional_data ? 'statutory_basis' "
        "FROM audit_logentry e LEFT JOIN accounts_user u ON u.id = e.actor_id "
        "LEFT JOIN accounts_organisation o ON o.id = u.organisation_id "
        f"WHERE e.content_type_id = {types[model].pk} AND e.object_id = ANY(%s) "
        "AND e.action = 3 AND e.additional_data IS DISTINCT FROM '{\"denied\": true}'::jsonb "
        "AND e.timestamp >= %s AND e.timestamp < %s"
        for model in ids
    )
    sql = f"SELECT * FROM ({branches}) found ORDER BY timestamp DESC, id DESC"
    start, end = selectors.day_start(since), selectors.day_start(until + datetime.timedelta(days=1))
    params = [value for model in ids for value in (ids[model], start, end)]

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    assert [row[0] for row in bare()] == [entry["id"] for entry in extract()]
    with CaptureQueriesContext(connection) as queries:
        found = extract()
    orm_sql, orm_params = selectors.person_extract(person, since, until).query.sql_with_params()

    def extract_sql():
        """The extract's own SQL, as the ORM compiled it, without the ORM around it."""
        with connection.cursor() as cursor:
            cursor.execute(orm_sql, orm_params)
            return cursor.fetchall()

    times = {"extract": [], "sql": [], "bare": []}
    for _ in range(ROUNDS):
        times["extract"].append(timed(extract))
        times["sql"].append(timed(extract_sql))
        times["bare"].append(timed(bare))
    measured, sql_only, base = (statistics.median(times[k]) for k in ("extract", "sql", "bare"))
    with capsys.disabled():
        print(
            f"\n[cost] person extract over {ENTRIES:,} entries ({len(found)} rows, "
            f"{len(queries)} query): {measured * 1e3:.1f} ms, its SQL alone "
            f"{sql_only * 1e3:.1f} ms, bare indexed query {base * 1e3:.1f} ms = "
            f"{measured / base:.2f}× (SQL {sql_only / base:.2f}×)"
        )
    assert len(found) > 0
    assert len(queries) == 1
    assert sql_only / base <= BUDGET
    # The extract as the pages run it (its SQL compiled once, rows through Django's converters).
    assert measured / base <= BUDGET
