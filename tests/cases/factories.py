"""Cases for tests, written directly (with their grants synced) rather than through the UI."""

import datetime
import itertools

from django.utils import timezone

from cases import access
from cases.models import (
    Case,
    CaseMember,
    Category,
    Consent,
    ConsentCategory,
    Guardian,
    Note,
    PersonName,
    YoungPerson,
)
from sspf import personnummer as pnr

_serial = itertools.count(100)
TODAY = timezone.localdate()


def make_personnummer(birth_date: datetime.date) -> str:
    # Serials run 001–999: "000" is not a valid number.
    return pnr.fictional(birth_date, f"{next(_serial) % 999 + 1:03d}")


def years_before(years: int, days: int = 0) -> datetime.date:
    return access.years_ago(TODAY, years) - datetime.timedelta(days=days)


def make_person(
    *,
    age: int = 16,
    protected=False,
    school=None,
    given="Elin",
    family="Berg",
    gender=YoungPerson.Gender.GIRL,
    birth_date=None,
    recorded_by=None,
) -> YoungPerson:
    """A person in the register; `recorded_by` (an organisation) records the name, and the
    protection when `protected`."""
    birth_date = birth_date or years_before(age, days=40)
    number = pnr.parse(make_personnummer(birth_date))
    person = YoungPerson.objects.create(
        personnummer=number.digits,
        personnummer_index=number.blind_index,
        gender=gender,
        birth_date=number.birth_date,
        school=school,
        protected_identity=protected,
        protected_by=recorded_by if protected else None,
    )
    if recorded_by is not None:
        name_person(person, recorded_by, given=given, family=family, gender=gender)
    return person


def name_person(person, organisation, *, given="Elin", family="Berg", gender=None) -> PersonName:
    return PersonName.objects.create(
        young_person=person,
        organisation=organisation,
        given_name=given,
        family_name=family,
        gender=gender or person.gender,
    )


def make_guardian(case, relation=Guardian.Relation.MOTHER, custody=True, name="Anna Berg"):
    return Guardian.objects.create(
        case=case, name=name, relation=relation, has_custody=custody, phone="070-1"
    )


_references = itertools.count(1)


def make_case(
    *,
    person,
    owner,
    coordinator,
    members=(),
    status=Case.Status.ACTIVE,
    custody=Case.Custody.JOINT,
) -> Case:
    """A case; the owner's record of the person's name is added when it has none."""
    if not PersonName.objects.filter(young_person=person, organisation=owner).exists():
        name_person(person, owner)
    case = Case.objects.create(
        custody=custody,
        reference=f"SSPF-T-{next(_references):05d}",
        young_person=person,
        owner=owner,
        coordinator=coordinator,
        signal_source=Case.Source.SCHOOL,
        opened_on=TODAY,
        status=status,
    )
    CaseMember.objects.create(
        case=case,
        user=coordinator,
        organisation=coordinator.organisation,
        role=CaseMember.Role.COORDINATOR,
    )
    for user, role in members:
        CaseMember.objects.create(case=case, user=user, organisation=user.organisation, role=role)
    access.sync(case)
    return case


def make_consent(
    case,
    *,
    guardian=None,
    organisations,
    categories=None,
    valid_from=None,
    valid_until=None,
    by=None,
) -> Consent:
    consent = Consent.objects.create(
        case=case,
        party=Consent.Party.GUARDIAN if guardian else Consent.Party.YOUNG_PERSON,
        guardian=guardian,
        purpose="Samverkan kring skolgång",
        valid_from=valid_from or TODAY - datetime.timedelta(days=10),
        valid_until=valid_until or TODAY + datetime.timedelta(days=355),
        collected_by=by or case.coordinator,
    )
    consent.organisations.set(organisations)
    for category in categories or [c.value for c in Category]:
        ConsentCategory.objects.create(consent=consent, category=category)
    return consent


def make_note(case, author, *, category, text="Anteckning"):
    return Note.objects.create(
        case=case, author=author, organisation=author.organisation, category=category, text=text
    )
