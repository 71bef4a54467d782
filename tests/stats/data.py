"""A little municipality over three years, written directly: people of every gender and age,
cases opened and closed in different months (some with risk factors), named and anonymous
contacts, network and group-level meetings (held, planned, cancelled) and referrals of both
kinds in every state. Random but seeded, so that a failure can be repeated."""

import datetime
import random

from django.core.exceptions import ValidationError

from cases.models import Case, CaseMember, RiskFactor, YoungPerson, category_of
from contacts.models import Contact, Place
from meetings.models import Level, Meeting
from referrals.models import Referral
from tests.cases.factories import make_case, make_person, name_person
from tests.factories import OrganisationFactory

GENDERS = [g for g, _l in YoungPerson.Gender.choices]


def random_day(rng, year):
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


def build(*, coordinator, field_workers, schools, year, people=40, seed=1):
    rng = random.Random(seed)
    place = Place.objects.get_or_create(name="Torget", kind="centre")[0]
    persons = []
    for _n in range(people):
        born = datetime.date(year - rng.randint(11, 19), rng.randint(1, 12), rng.randint(1, 28))
        gender = rng.choice(GENDERS + ["girl", "boy"])
        school = rng.choice([*schools, None])
        persons.append(_person(born, gender, school, coordinator.organisation))
    cases = []
    for person in persons:
        for _k in range(rng.choice([1, 1, 1, 2])):
            opened = random_day(rng, rng.choice([year - 2, year - 1, year]))
            closed = opened + datetime.timedelta(days=rng.randint(20, 500))
            case = make_case(person=person, owner=coordinator.organisation, coordinator=coordinator)
            is_closed = closed <= datetime.date(year, 12, 31) and rng.random() < 0.7
            Case.objects.filter(pk=case.pk).update(
                opened_on=opened,
                closed_on=closed if is_closed else None,
                status=Case.Status.CLOSED if is_closed else Case.Status.ACTIVE,
                closure_reason="goals_met" if is_closed else "",
                signal_source=rng.choice([s for s, _l in Case.Source.choices]),
                school=rng.choice([*schools, None]),
            )
            for factor in rng.sample([f for f, _l in RiskFactor.Factor.choices], rng.randint(0, 3)):
                RiskFactor.objects.create(case=case, factor=factor)
            cases.append(case)
    for _n in range(people):
        worker = rng.choice(field_workers)
        person = rng.choice(persons)
        case = rng.choice([c for c in cases if c.young_person_id == person.pk] + [None])
        Contact.objects.create(
            occurred_at=_moment(rng, year),
            place=place,
            kind="street",
            recorded_by=worker,
            organisation=worker.organisation,
            category="social_services",
            young_person=person,
            case=case,
            school=rng.choice([*schools, None]),
        )
    for _n in range(people):
        worker = rng.choice(field_workers)
        Contact.objects.create(
            occurred_at=_moment(rng, year),
            place=place,
            kind="street",
            recorded_by=worker,
            organisation=worker.organisation,
            category="social_services",
            girls=rng.randint(0, 6),
            boys=rng.randint(1, 6),
            others=rng.choice([0, 0, 1]),
            not_recorded=rng.choice([0, 0, 2]),
            age_band=rng.choice([b for b, _l in Contact.AgeBand.choices] + [""]),
            school=rng.choice([*schools, None]),
        )
    _meetings(rng, coordinator, cases, schools, year)
    _referrals(rng, coordinator, persons, cases, year, count=people)
    return persons


MEETING_STATES = ["held", "held", "held", "planned", "cancelled"]


def _meetings(rng, coordinator, cases, schools, year):
    for case in cases:
        for _k in range(rng.choice([0, 1, 1, 2, 3])):
            Meeting.objects.create(
                level=Level.NETWORK,
                date=random_day(rng, rng.choice([year - 1, year])),
                starts_at=datetime.time(9),
                ends_at=datetime.time(10),
                place="Stadshuset",
                case=case,
                convened_by=coordinator,
                status=rng.choice(MEETING_STATES),
            )
    for _n in range(len(cases)):
        meeting = Meeting.objects.create(
            level=rng.choice([Level.STEERING, Level.OPERATIONAL, Level.OPERATIONAL]),
            date=random_day(rng, rng.choice([year - 1, year])),
            starts_at=datetime.time(13),
            ends_at=datetime.time(15),
            place="Stadshuset",
            area=rng.choice(["Centrum", "Norr", ""]),
            convened_by=coordinator,
            status=rng.choice(MEETING_STATES),
        )
        meeting.schools.set(rng.sample(schools, rng.randint(0, min(2, len(schools)))))


OUTCOMES = {
    Referral.Kind.MEDIATION: ["agreement", "no_agreement", "party_withdrew", "not_held"],
    Referral.Kind.VICTIM_SUPPORT: ["support_given", "support_declined", "not_reached"],
}
REFERRAL_STATES = [
    "draft",
    "sent",
    "accepted",
    "declined",
    "in_progress",
    "completed",
    "completed",
    "withdrawn",
]


def _referrals(rng, coordinator, persons, cases, year, count):
    receivers = {
        Referral.Kind.MEDIATION: OrganisationFactory(
            name="Medling (statistik)", receives_mediation_referrals=True
        ),
        Referral.Kind.VICTIM_SUPPORT: OrganisationFactory(
            name="Stödcentrum (statistik)", receives_victim_support_referrals=True
        ),
    }
    sender = coordinator.organisation
    for _n in range(count):
        person = rng.choice(persons)
        kind = rng.choice(list(Referral.Kind))
        status = rng.choice(REFERRAL_STATES)
        completed = status == "completed"
        Referral.objects.create(
            kind=kind,
            status=status,
            organisation=sender,
            category=category_of(sender),
            created_by=coordinator,
            receiver=receivers[kind],
            young_person=person,
            case=rng.choice([c for c in cases if c.young_person_id == person.pk] + [None]),
            contact_name="Maltheus Sjöbergsvik",
            offence_date=random_day(rng, year - 1),
            offence_category="damage",
            admitted=kind == Referral.Kind.MEDIATION,
            sent_at=None if status == "draft" else _moment(rng, year),
            outcome=rng.choice(OUTCOMES[kind]) if completed else "",
            closed_on=datetime.date(year, 12, 31) if completed else None,
        )


PERSON_NAME = ("Elinorissa", "Bergqvisthammar")


def _person(born, gender, school, organisation):
    # The factories' serial numbers wrap at 1000, and serial 000 is no valid number: try the next.
    for _attempt in range(3):
        try:
            return make_person(
                birth_date=born,
                gender=gender,
                school=school,
                recorded_by=organisation,
                # Names no generated staff user can have: the purge test looks for them.
                given=PERSON_NAME[0],
                family=PERSON_NAME[1],
            )
        except ValidationError:
            continue
    raise AssertionError("no valid personnummer")


def _moment(rng, year):
    day = random_day(rng, rng.choice([year - 1, year]))
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(0, 23), tzinfo=datetime.UTC
    ).astimezone()


__all__ = ["build", "CaseMember", "name_person"]
