"""Demo cases in every state: one shared with school and police but not leisure, one whose
consent leaves the police out, one with protected identity, a new signal, one awaiting
consent and a closed one."""

import datetime

from django.utils import timezone

from accounts.models import Organisation, User
from cases import access
from cases.models import (
    Case,
    CaseMember,
    Consent,
    ConsentCategory,
    Guardian,
    Note,
    PersonName,
    PlanItem,
    RiskFactor,
    YoungPerson,
)
from cases.services import _next_reference
from schools.models import School
from sspf import personnummer as pnr

# given, family, gender, birth date (years, days before today), personnummer serial, school,
# protected identity
PEOPLE = [
    ("Ellinor", "Bergqvist", "girl", (15, 60), "238", "Ekbackeskolan", False),
    ("Malte", "Sjöberg", "boy", (14, 100), "517", "Lindängsskolan", False),
    ("Kim", "Ahmadi", "boy", (16, 20), "391", "Ekbackeskolan", True),
    ("Nora", "Lind", "girl", (13, 200), "446", "Björkskolan", False),
    ("Leo", "Hassan", "boy", (15, 300), "173", "Norrby gymnasium", False),
    ("Alva", "Nyström", "girl", (17, 10), "624", "Norrby gymnasium", False),
]


def _person(given, family, gender, age, serial, school, protected, today, recorded_by):
    years, days = age
    born = access.years_ago(today, years) - datetime.timedelta(days=days)
    number = pnr.parse(pnr.fictional(born, serial))
    person, _ = YoungPerson.objects.get_or_create(
        personnummer_index=number.blind_index,
        defaults={
            "personnummer": number.digits,
            "gender": gender,
            "birth_date": number.birth_date,
            "school": School.objects.get(name=school),
            "protected_identity": protected,
            "protected_by": recorded_by if protected else None,
        },
    )
    PersonName.objects.get_or_create(
        young_person=person,
        organisation=recorded_by,
        defaults={"given_name": given, "family_name": family, "gender": gender},
    )
    person.demo_family_name = family
    return person


def _consent(case, guardian, organisations, categories, collected_by, today, valid_days=330):
    consent = Consent.objects.create(
        case=case,
        party=Consent.Party.GUARDIAN if guardian else Consent.Party.YOUNG_PERSON,
        guardian=guardian,
        purpose="Samordnade insatser kring skolgång och fritid",
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=valid_days),
        collected_by=collected_by,
        form_reference="Blankett SSPF-1",
    )
    consent.organisations.set(organisations)
    ConsentCategory.objects.bulk_create(
        ConsentCategory(consent=consent, category=c) for c in categories
    )
    return consent


def load(users: dict[str, User], today: datetime.date | None = None) -> None:
    if Case.objects.exists():
        return
    today = today or timezone.localdate()
    org = {o.name: o for o in Organisation.objects.all()}
    social, police = org["Socialtjänsten Norrby"], org["Polisen, lokalpolisområde Norrby"]
    ekbacke, lindang, leisure = (
        org["Ekbackeskolan"],
        org["Lindängsskolan"],
        org["Fritidsförvaltningen Norrby"],
    )
    coordinator = users["samordnare"]
    people = [_person(*p, today=today, recorded_by=social) for p in PEOPLE]

    def case(person, status, source, factors, members, **extra):
        made = Case.objects.create(
            reference=_next_reference(today.year),
            young_person=person,
            owner=social,
            coordinator=coordinator,
            status=status,
            signal_source=source,
            school=person.school,
            opened_on=today - datetime.timedelta(days=60),
            custody=Case.Custody.JOINT,
            **extra,
        )
        RiskFactor.objects.bulk_create(RiskFactor(case=made, factor=f) for f in factors)
        CaseMember.objects.create(
            case=made, user=coordinator, organisation=social, role=CaseMember.Role.COORDINATOR
        )
        for username, role in members:
            user = users[username]
            CaseMember.objects.create(
                case=made, user=user, organisation=user.organisation, role=role
            )
        access.sync(made)
        return made

    def guardians(case_):
        family = case_.young_person.demo_family_name
        return [
            Guardian.objects.create(
                case=case_,
                name=f"Mamma {family}",
                relation="mother",
                has_custody=True,
                phone="070-123 45 67",
            ),
            Guardian.objects.create(
                case=case_,
                name=f"Pappa {family}",
                relation="father",
                has_custody=True,
                phone="070-765 43 21",
            ),
        ]

    def note(case_, username, category, text):
        author = users[username]
        Note.objects.create(
            case=case_,
            author=author,
            organisation=author.organisation,
            category=category,
            text=text,
        )

    full_team = [
        ("socialsekreterare", "case_worker"),
        ("skolpersonal", "mentor"),
        ("kontaktpolis", "contact"),
        ("fritidsledare", "contact"),
        ("faltare", "contact"),
    ]

    # 1. Shared with school and police, not with leisure.
    shared = case(people[0], "active", "school", ["truancy", "risky_peers"], full_team)
    for guardian in [*guardians(shared), None]:
        _consent(shared, guardian, [ekbacke, police], ["school", "police"], coordinator, today)
    note(
        shared,
        "kontaktpolis",
        "police",
        "Ellinor har setts i en grupp vid resecentrum sent på kvällarna.",
    )
    note(shared, "skolpersonal", "school", "Frånvaron har ökat till 30 % den senaste månaden.")
    note(
        shared,
        "socialsekreterare",
        "social_services",
        "Kartläggande samtal med familjen genomfört.",
    )
    PlanItem.objects.create(
        case=shared,
        author=users["socialsekreterare"],
        organisation=social,
        category="school",
        goal="Regelbunden närvaro i skolan",
        action="Mentor ringer hem vid frånvaro samma dag",
        responsible_organisation=ekbacke,
        responsible_person=users["skolpersonal"],
        due_date=today + datetime.timedelta(days=30),
    )

    # 2. The consent leaves the police out (and ends within 30 days).
    no_police = case(people[1], "active", "leisure", ["substance_use", "risky_places"], full_team)
    for guardian in [*guardians(no_police)]:
        _consent(
            no_police,
            guardian,
            [lindang, leisure],
            ["school", "leisure"],
            coordinator,
            today,
            valid_days=20,
        )
    note(no_police, "fritidsledare", "leisure", "Malte deltar i fotbollen på tisdagar.")

    # 3. Protected identity.
    protected = case(
        people[2],
        "active",
        "police",
        ["violence"],
        [("socialsekreterare", "case_worker"), ("skolpersonal", "mentor")],
    )
    for guardian in [*guardians(protected), None]:
        _consent(protected, guardian, [ekbacke], ["school"], coordinator, today)

    # 4. A new signal, one awaiting consent, and a closed case.
    case(people[3], "signal", "guardian", ["truancy"], [])
    waiting = case(
        people[4],
        "awaiting_consent",
        "social_services",
        ["criminal_acts"],
        [("socialsekreterare", "case_worker"), ("kontaktpolis", "contact")],
    )
    mother, _father = guardians(waiting)
    _consent(waiting, mother, [police], ["police"], coordinator, today)
    case(
        people[5],
        "closed",
        "school",
        ["other"],
        [("socialsekreterare", "case_worker")],
        closure_reason="goals_met",
        closed_on=today - datetime.timedelta(days=5),
    )
