"""The retention purge (gallring, DESIGN §5): the personal data of cases closed more than
SSPF_RETENTION_YEARS ago is deleted, after the statistics have been given what they count.

Per expired case, in one transaction:
1. StatFact rows are written for the case and for each named contact, held network meeting
   and sent referral that goes with it, so that every table (stats/tables.py reads live rows
   and facts alike) stays the same. Group-level meetings are about no one and are not purged.
2. Everything personal about the case is deleted through the ORM — so that each deletion is
   in the sealed audit log with the object's reference (masked values, no names) — in an
   order the PROTECT foreign keys allow: named contacts, the network meetings and agenda items
   about the case (minutes), referrals, consents, guardians, journal notes (corrections
   first), plan items, then the case itself.
3. When the young person has no other case left, the person goes too: their remaining named
   contacts and referrals, the names each organisation recorded, and the register entry.
   A person who still has a case stays; the facts keep a link to them until they are purged.

The run itself is one PurgeRun row (logged on creation) holding the counts. The audit log
is append-only and is never touched.
"""

import datetime
import uuid
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from cases.models import Case, Consent, Guardian, Note, PersonName, PlanItem, YoungPerson
from contacts.models import Contact, ContactRevision
from meetings.models import Meeting
from referrals.models import Referral
from stats.models import PurgeRun, StatFact, StatFactRiskFactor
from stats.tables import referral_outcome


def cutoff(today: datetime.date) -> datetime.date:
    """Cases closed before this day are expired."""
    try:
        return today.replace(year=today.year - settings.SSPF_RETENTION_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - settings.SSPF_RETENTION_YEARS, day=28)


def expired_cases(today: datetime.date):
    return Case.objects.filter(status=Case.Status.CLOSED, closed_on__lt=cutoff(today)).order_by(
        "closed_on", "pk"
    )


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def month(day) -> datetime.date | None:
    if day is None:
        return None
    if isinstance(day, datetime.datetime):
        from django.utils import timezone

        day = timezone.localtime(day).date()
    return day.replace(day=1)


def _token(person: YoungPerson) -> uuid.UUID:
    earlier = StatFact.objects.filter(young_person=person).values_list("person_token", flat=True)
    return earlier.first() or uuid.uuid4()


def _keep_contact_facts(contacts: list[Contact], person, token, run, counts: Counter) -> None:
    """Facts for the contacts the tables count: a voided contact counts nowhere."""
    counted = [c for c in contacts if c.voided_at is None]
    StatFact.objects.bulk_create(_contact_fact(c, person, token, run) for c in counted)
    counts["facts"] += len(counted)


def _contact_fact(contact: Contact, person, token, run) -> StatFact:
    return StatFact(
        kind=StatFact.Kind.NAMED_CONTACT,
        gender=person.gender,
        birth_year=person.birth_date.year,
        school_id=contact.school_id,
        occurred_month=month(contact.occurred_at),
        recorded_by_id=contact.recorded_by_id,
        person_token=token,
        young_person=person,
        purge=run,
    )


def _delete_each(queryset, counts: Counter, name: str) -> None:
    """One by one, so that every deletion is in the audit log with its reference."""
    for obj in queryset:
        obj.delete()
        counts[name] += 1


def purge_case(case: Case, run: PurgeRun, counts: Counter) -> None:
    person = case.young_person
    token = _token(person)
    fact = StatFact.objects.create(
        kind=StatFact.Kind.CASE,
        gender=person.gender,
        birth_year=person.birth_date.year,
        school_id=case.school_id,
        signal_source=case.signal_source,
        opened_month=month(case.opened_on),
        closed_month=month(case.closed_on),
        person_token=token,
        young_person=person,
        purge=run,
    )
    StatFactRiskFactor.objects.bulk_create(
        StatFactRiskFactor(fact=fact, factor=f)
        for f in case.risk_factors.values_list("factor", flat=True)
    )
    counts["facts"] += 1
    contacts = list(Contact.objects.filter(case=case))
    _keep_contact_facts(contacts, person, token, run, counts)
    _delete_each(ContactRevision.objects.filter(contact__in=contacts), counts, "contact revisions")
    _delete_each(contacts, counts, "named contacts")
    _keep_meeting_facts(case, person, token, run, counts)
    _keep_referral_facts(Q(case=case), person, token, run, counts)
    _delete_meetings_and_referrals(Q(case=case), case, counts)
    _delete_each(Consent.objects.filter(case=case), counts, "consents")
    _delete_each(Guardian.objects.filter(case=case), counts, "guardians")
    _delete_each(Note.objects.filter(case=case).order_by("-pk"), counts, "notes")
    _delete_each(PlanItem.objects.filter(case=case), counts, "plan items")
    case.delete()
    counts["cases"] += 1
    if not Case.objects.filter(young_person=person).exists():
        _purge_person(person, token, run, counts)


def _keep_meeting_facts(case, person, token, run, counts: Counter) -> None:
    """A fact per held network meeting of the case, with what the case gives it (gender, birth
    year, school, signal source, risk factors), as the meetings table counts it."""
    Meeting = _model("meetings.Meeting")
    if Meeting is None:
        return
    days = list(
        Meeting.objects.filter(case=case, level="network", status="held").values_list(
            "date", flat=True
        )
    )
    facts = StatFact.objects.bulk_create(
        StatFact(
            kind=StatFact.Kind.NETWORK_MEETING,
            gender=person.gender,
            birth_year=person.birth_date.year,
            school_id=case.school_id,
            signal_source=case.signal_source,
            occurred_month=month(day),
            person_token=token,
            young_person=person,
            purge=run,
        )
        for day in days
    )
    factors = list(case.risk_factors.values_list("factor", flat=True))
    StatFactRiskFactor.objects.bulk_create(
        StatFactRiskFactor(fact=fact, factor=factor) for fact in facts for factor in factors
    )
    counts["facts"] += len(facts)


def _keep_referral_facts(about: Q, person, token, run, counts: Counter) -> None:
    """A fact per sent referral about the case or person: the young person's gender and birth
    year, the kind, the outcome row and the month it was sent. Drafts are not counted."""
    Referral = _model("referrals.Referral")
    if Referral is None:
        return
    referrals = Referral.objects.filter(about, sent_at__isnull=False).select_related("young_person")
    facts = []
    for referral in referrals:
        subject = referral.young_person
        facts.append(
            StatFact(
                kind=StatFact.Kind.REFERRAL,
                gender=subject.gender,
                birth_year=subject.birth_date.year,
                referral_kind=referral.kind,
                referral_outcome=referral_outcome(referral.status, referral.outcome),
                occurred_month=month(referral.sent_at),
                person_token=token if subject.pk == person.pk else _token(subject),
                young_person=subject,
                purge=run,
            )
        )
    StatFact.objects.bulk_create(facts)
    counts["facts"] += len(facts)


def _delete_meetings_and_referrals(about: Q, case, counts: Counter) -> None:
    """The other apps' records about the case or person, when those apps are installed."""
    AgendaItem = _model("meetings.AgendaItem")
    Meeting = _model("meetings.Meeting")
    Decision = _model("meetings.Decision")
    FollowUp = _model("meetings.FollowUp")
    Referral = _model("referrals.Referral")
    if case is not None and AgendaItem is not None:
        if Decision is not None:
            _delete_each(Decision.objects.filter(agenda_item__case=case), counts, "decisions")
            _delete_each(Decision.objects.filter(plan_item__case=case), counts, "decisions")
        _delete_each(AgendaItem.objects.filter(case=case), counts, "agenda items")
    if case is not None and Meeting is not None:
        meetings = Meeting.objects.filter(case=case)
        if FollowUp is not None:
            _delete_each(FollowUp.objects.filter(meeting__in=meetings), counts, "follow-ups")
        _delete_each(meetings, counts, "meetings")
    if Referral is not None:
        _delete_each(Referral.objects.filter(about), counts, "referrals")


def _purge_person(person: YoungPerson, token, run, counts: Counter) -> None:
    contacts = list(Contact.objects.filter(young_person=person))
    _keep_contact_facts(contacts, person, token, run, counts)
    _delete_each(ContactRevision.objects.filter(contact__in=contacts), counts, "contact revisions")
    _delete_each(contacts, counts, "named contacts")
    _keep_referral_facts(Q(young_person=person), person, token, run, counts)
    _delete_meetings_and_referrals(Q(young_person=person), None, counts)
    _delete_each(PersonName.objects.filter(young_person=person), counts, "names")
    person.delete()  # the facts' link to the person is emptied (SET_NULL): they stay anonymous
    counts["young people"] += 1


def purge(*, today: datetime.date, progress=None) -> PurgeRun:
    """Purges every expired case, one transaction per case, and records the run."""
    ids = list(expired_cases(today).values_list("pk", flat=True))
    counts: Counter = Counter()
    with transaction.atomic():
        run = PurgeRun.objects.create(closed_before=cutoff(today), counts={})
    for n, pk in enumerate(ids, start=1):
        with transaction.atomic():
            case = Case.objects.select_for_update().select_related("young_person").get(pk=pk)
            purge_case(case, run, counts)
        if progress:
            progress(n, len(ids))
    with transaction.atomic():
        # A second entry in the log, with the counts: the run's row changes once, at its end.
        run.counts = dict(counts)
        run.save(update_fields=["counts"])
    return run


def plan(today: datetime.date) -> dict:
    """What a purge would remove now (the dry run)."""
    cases = expired_cases(today)
    people = (
        YoungPerson.objects.filter(cases__in=cases)
        .exclude(cases__in=Case.objects.exclude(pk__in=cases.values("pk")))
        .distinct()
    )
    return {
        "closed before": cutoff(today),
        "cases": cases.count(),
        "young people": people.count(),
        "named contacts": Contact.objects.filter(
            Q(case__in=cases) | Q(young_person__in=people)
        ).count(),
        "meetings": Meeting.objects.filter(case__in=cases).count(),
        "referrals": Referral.objects.filter(
            Q(case__in=cases) | Q(young_person__in=people)
        ).count(),
    }
