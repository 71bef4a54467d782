"""The retention purge: the statistics are the same before and after `purge_expired --apply`,
and nothing personal of the purged cases is left — checked in the raw database."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import LogEntry
from cases.models import Case, Guardian, Note, YoungPerson
from meetings.models import AgendaItem, Meeting
from referrals.models import Referral
from stats import tables
from stats.models import PurgeRun, StatFact
from tests.cases.factories import make_case, make_consent, make_guardian, make_note
from tests.schools.factories import SchoolFactory
from tests.stats import data

THIS_YEAR = timezone.localdate().year
OLD = THIS_YEAR - 7


def snapshot():
    """Every table (its counts and what is suppressed) for the old years and this one."""
    return {
        (measure, split, year): (table.protected.cells, table.protected.hidden, table.labels)
        for year in (OLD - 1, OLD, OLD + 1, THIS_YEAR)
        for measure in tables.MEASURES
        for split in tables.splits_for(measure)
        for table in [tables.build(measure, split, year)]
    }


@pytest.fixture
def history(make_user, organisations):
    """Old cases (all closed long ago) and this year's, with their meetings and referrals; one
    old person has a new case too, and an old case has guardians, consent, notes (one
    corrected), a held network meeting with minutes and a referral with names in it."""
    coordinator = make_user("coordinator")
    workers = [make_user("field_worker")]
    schools = [SchoolFactory(organisation=organisations["school_a"], area="Norr")]
    old_people = data.build(
        coordinator=coordinator, field_workers=workers, schools=schools, year=OLD, people=25
    )
    Case.objects.filter(young_person__in=old_people, closed_on__isnull=True).update(
        closed_on=datetime.date(OLD, 12, 31)
    )
    Case.objects.filter(young_person__in=old_people).update(
        status=Case.Status.CLOSED, closure_reason="goals_met"
    )
    data.build(
        coordinator=coordinator,
        field_workers=workers,
        schools=schools,
        year=THIS_YEAR,
        people=10,
        seed=7,
    )
    kept = old_people[0]
    make_case(person=kept, owner=coordinator.organisation, coordinator=coordinator)
    rich = Case.objects.filter(young_person=old_people[1]).first()
    mother = make_guardian(rich, name="Gunvorina Petterholmsson")
    make_consent(rich, guardian=mother, organisations=[coordinator.organisation])
    note = make_note(rich, coordinator, category="social_services", text="Samtal hemma")
    Note.objects.create(
        case=rich,
        author=coordinator,
        organisation=coordinator.organisation,
        category="social_services",
        text="Rättelse",
        corrects=note,
    )
    meeting = Meeting.objects.create(
        level="network",
        date=datetime.date(OLD, 3, 3),
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
        place="Stadshuset",
        case=rich,
        convened_by=coordinator,
        status="held",
    )
    AgendaItem.objects.create(
        meeting=meeting,
        level="network",
        order=1,
        topic="Läget hemma",
        minutes="Gunvorina berättade om läget",
        case=rich,
        organisation=coordinator.organisation,
        category="social_services",
    )
    meeting.guardians_present.add(mother)
    return {"old": old_people, "kept": kept, "rich": rich, "mother": mother}


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_dry_run_deletes_nothing(history):
    before = Case.objects.count()
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Dry run" in out.getvalue()
    expired = Case.objects.filter(closed_on__lt=datetime.date(OLD + 2, 1, 1))
    meetings = Meeting.objects.filter(case__in=expired).count()
    assert meetings and f"meetings: {meetings}\n" in out.getvalue()
    assert Case.objects.count() == before
    assert not PurgeRun.objects.exists()


def test_statistics_are_unchanged_and_nothing_personal_remains(history):
    # A voided contact counts nowhere: not before the purge, and not in its facts after it.
    from contacts.models import Contact

    voided = Contact.objects.filter(
        case__young_person__in=[p for p in history["old"] if p != history["kept"]],
        case__closed_on__lt=datetime.date(OLD + 2, 1, 1),
    ).first()
    assert voided is not None
    from contacts import services as contact_services

    contact_services.contact_void(by=voided.recorded_by, contact=voided, reason="Fel person")
    before = snapshot()
    purged_people = [p.pk for p in history["old"] if p != history["kept"]]
    expired = list(
        Case.objects.filter(
            young_person__in=history["old"], closed_on__lt=datetime.date(OLD + 2, 1, 1)
        ).values_list("pk", "reference")
    )
    assert expired
    guardian = history["mother"].pk
    # Something of each kind to purge, counted in the tables: held network meetings of the
    # expired cases, sent referrals about them or their people (with the person kept too).
    case_ids = [pk for pk, _ref in expired]
    assert Meeting.objects.filter(case__in=case_ids, status="held").count() > 3
    old_referrals = Referral.objects.filter(young_person__in=history["old"]).exclude(sent_at=None)
    assert old_referrals.filter(case__in=case_ids).exists()
    assert old_referrals.filter(young_person__in=purged_people, case=None).exists()
    assert sum(map(sum, before[("meetings_network", "month", OLD)][0])) > 3
    assert sum(map(sum, before[("referrals", "referral_outcome", OLD)][0])) > 3
    out = StringIO()
    call_command("purge_expired", "--apply", stdout=out)
    assert f"{len(expired)}/{len(expired)} cases" in out.getvalue()

    assert snapshot() == before

    marks = ",".join("%s" for _ in case_ids)
    people = ",".join("%s" for _ in purged_people)
    for table, column, ids in [
        ("cases_case", "id", case_ids),
        ("cases_guardian", "case_id", case_ids),
        ("cases_consent", "case_id", case_ids),
        ("cases_note", "case_id", case_ids),
        ("cases_planitem", "case_id", case_ids),
        ("contacts_contact", "case_id", case_ids),
        ("meetings_meeting", "case_id", case_ids),
        ("meetings_agendaitem", "case_id", case_ids),
        ("referrals_referral", "case_id", case_ids),
        ("cases_youngperson", "id", purged_people),
        ("referrals_referral", "young_person_id", purged_people),
        ("cases_personname", "young_person_id", purged_people),
        ("contacts_contact", "young_person_id", purged_people),
    ]:
        where = marks if ids is case_ids else people
        assert raw(f"SELECT COUNT(*) FROM {table} WHERE {column} IN ({where})", ids) == [(0,)], (
            table
        )  # noqa: S608
    # The person with a new case stays, with that case only.
    assert YoungPerson.objects.filter(pk=history["kept"].pk).exists()
    assert not Guardian.objects.filter(pk=guardian).exists()
    # The facts are anonymous: no link to a purged person.
    assert not StatFact.objects.filter(young_person_id__in=purged_people).exists()

    # The log keeps what happened, by reference, with no name or number in it.
    deleted = LogEntry.objects.filter(
        action=LogEntry.Action.DELETE, content_type__model="case", object_id__in=case_ids
    )
    assert sorted(deleted.values_list("object_repr", flat=True)) == sorted(r for _pk, r in expired)
    log_text = " ".join(
        str(row) for row in raw("SELECT object_repr, changes_text, changes FROM audit_logentry")
    )
    for secret in [
        "Gunvorina",
        "Petterholmsson",
        "Samtal hemma",
        *data.PERSON_NAME,
        "Maltheus",
        "Sjöbergsvik",
    ]:
        assert secret not in log_text
    run = PurgeRun.objects.get()
    assert run.counts["cases"] == len(expired)
    assert LogEntry.objects.filter(content_type__model="purgerun", object_id=run.pk).count() == 2


def test_a_second_purge_counts_the_same_and_finds_nothing(history):
    call_command("purge_expired", "--apply", stdout=StringIO())
    before = snapshot()
    out = StringIO()
    call_command("purge_expired", "--apply", stdout=out)
    assert "Nothing to purge" in out.getvalue()
    assert snapshot() == before


def test_the_kept_persons_old_case_and_new_case_count_once_as_a_person(history):
    """A person with a purged case and a live one in the same year is one young person."""
    kept = history["kept"]
    old_case = Case.objects.filter(young_person=kept).exclude(closed_on__isnull=True).first()
    Case.objects.filter(young_person=kept, closed_on__isnull=True).update(
        opened_on=old_case.opened_on
    )
    before = tables.build("people", "year", old_case.opened_on.year).protected.cells
    call_command("purge_expired", "--apply", stdout=StringIO())
    assert tables.build("people", "year", old_case.opened_on.year).protected.cells == before
