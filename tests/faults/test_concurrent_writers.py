"""Sixteen people writing at the same moment on PostgreSQL (issue 16, item 3): field workers
recording contacts (each form sent twice, as a double tap does), contact police logging school
visits, a case team writing notes in one shared case, and coordinators opening cases (each
draws a reference number from the year's counter). Every writer is a thread with its own
database connection, calling the services as the views do.

Nothing may be lost or doubled (exact counts, one row per form), every reference number is
unique and none is skipped, every row has its audit entry, and the seal chain verifies.
"""

import io
import statistics
import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import LogEntry
from cases import services as case_services
from cases.models import Case, CaseMember, Note
from contacts import services as contact_services
from contacts.models import Contact, Place
from schools import services as school_services
from schools.models import SchoolVisit
from tests.cases.factories import make_case, make_person
from tests.conftest import restore_roles
from tests.schools.factories import SchoolFactory, assign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 8
FIELD_WORKERS, OFFICERS, NOTE_WRITERS, COORDINATORS = 6, 4, 4, 2
WRITERS = FIELD_WORKERS + OFFICERS + NOTE_WRITERS + COORDINATORS


def run_at_once(jobs):
    """Runs each job (a function of the round number) ROUNDS times in its own thread, all
    starting together; returns the seconds each call took and the errors raised."""
    start, timings, errors = threading.Barrier(len(jobs)), [], []

    def writer(job):
        try:
            start.wait()
            for round_ in range(ROUNDS):
                began = time.perf_counter()
                job(round_)
                timings.append(time.perf_counter() - began)
        except Exception as error:  # reported by the test, with the writer it came from
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors


def audit_creates(model) -> int:
    return LogEntry.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        action=LogEntry.Action.CREATE,
    ).count()


def test_sixteen_writers_lose_nothing_and_double_nothing(make_user, organisations):
    restore_roles()
    social = organisations["social_services"]
    place = Place.objects.create(name="Centrumtorget", kind=Place.Kind.CENTRE)
    field_workers = [make_user("field_worker") for _ in range(FIELD_WORKERS)]
    officers = [make_user("school_police") for _ in range(OFFICERS)]
    schools = [SchoolFactory() for _ in range(OFFICERS)]
    for officer, school in zip(officers, schools, strict=True):
        assign(officer, school)
    lead = make_user("coordinator")
    note_writers = [lead] + [make_user("social_worker") for _ in range(NOTE_WRITERS - 1)]
    shared = make_case(
        person=make_person(recorded_by=social),
        owner=social,
        coordinator=lead,
        members=[(u, CaseMember.Role.CASE_WORKER) for u in note_writers[1:]],
    )
    coordinators = [make_user("coordinator") for _ in range(COORDINATORS)]
    people = [[make_person() for _ in range(ROUNDS)] for _ in coordinators]
    now = timezone.now()

    def records_contacts(user):
        def job(round_):
            token = uuid.uuid4()
            for _send in range(2):  # the same form twice: one contact
                contact_services.contact_record(
                    by=user,
                    client_token=token,
                    occurred_at=now,
                    place=place,
                    kind=Contact.Kind.STREET,
                    girls=1,
                    boys=round_,
                    note=f"{user.pk}/{round_}",
                )

        return job

    def logs_visits(user, school):
        def job(round_):
            school_services.visit_log(
                by=user, school=school, date=timezone.localdate(), purpose=f"{user.pk}/{round_}"
            )

        return job

    def writes_notes(user):
        def job(round_):
            case_services.note_write(
                by=user, case=shared, text=f"{user.pk}/{round_}", category="social_services"
            )

        return job

    def opens_cases(user, persons):
        def job(round_):
            case_services.signal_register(
                by=user, young_person=persons[round_], signal_source="school", risk_factors=[]
            )

        return job

    jobs = (
        [records_contacts(u) for u in field_workers]
        + [logs_visits(u, s) for u, s in zip(officers, schools, strict=True)]
        + [writes_notes(u) for u in note_writers]
        + [opens_cases(u, p) for u, p in zip(coordinators, people, strict=True)]
    )
    assert len(jobs) == WRITERS == 16
    began = time.perf_counter()
    timings, errors = run_at_once(jobs)
    wall = time.perf_counter() - began
    assert errors == []

    def written(model, users, field):
        return sorted(model.objects.values_list(field, flat=True)) == sorted(
            f"{u.pk}/{r}" for u in users for r in range(ROUNDS)
        )

    assert Contact.objects.count() == FIELD_WORKERS * ROUNDS
    assert written(Contact, field_workers, "note")
    assert SchoolVisit.objects.count() == OFFICERS * ROUNDS
    assert written(SchoolVisit, officers, "purpose")
    assert Note.objects.count() == NOTE_WRITERS * ROUNDS
    assert written(Note, note_writers, "text")
    opened = list(Case.objects.exclude(pk=shared.pk).values_list("reference", flat=True))
    year = timezone.localdate().year
    assert sorted(opened) == [f"SSPF-{year}-{n:04d}" for n in range(1, COORDINATORS * ROUNDS + 1)]
    for model in (Contact, SchoolVisit, Note, Case):
        assert audit_creates(model) == model.objects.count(), model
    call_command("verify_audit_log", stdout=io.StringIO())  # raises when broken

    calls = sorted(timings)
    print(
        f"\n[writers] {WRITERS} writers × {ROUNDS} rounds: {len(calls)} calls "
        f"({FIELD_WORKERS * ROUNDS * 2} contact sends, {Contact.objects.count()} contacts, "
        f"{OFFICERS * ROUNDS} visits, {NOTE_WRITERS * ROUNDS} notes, "
        f"{COORDINATORS * ROUNDS} cases), {LogEntry.objects.count()} audit entries; "
        f"wall {wall:.2f} s; per call median {statistics.median(calls) * 1000:.0f} ms, "
        f"p90 {calls[int(len(calls) * 0.9)] * 1000:.0f} ms, max {calls[-1] * 1000:.0f} ms"
    )
